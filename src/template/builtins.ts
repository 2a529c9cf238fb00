import { ansibleFilters } from './ansibleFilters.js';
import { collectionFilters } from './collectionFilters.js';
import { dataFilters } from './dataFilters.js';
import { jinjaFilters } from './jinjaFilters.js';
import { jinjaTests } from './jinjaTests.js';
import { mathFilters } from './mathFilters.js';
import { nunjucksFilters } from './nunjucksInternals.js';
import { filters, tests } from './registry.js';
import type { FilterFunction } from './runtime.js';
import { textFilters } from './textFilters.js';
import { requireDefined } from '../core/undefinedValue.js';

/**
 * Fills the filter and test registry. nunjucks' own filters (indent, center, wordcount, truncate, ...)
 * fill the gaps, guarded so that an undefined input fails as in Ansible instead of printing nothing.
 */
for (const [name, filter] of Object.entries(nunjucksFilters)) {
  if (typeof filter !== 'function') continue;
  const guarded: FilterFunction = function (value, ...args) {
    return filter.call(this, requireDefined(value), ...args);
  };
  filters.set(name, guarded);
}
for (const table of [collectionFilters, textFilters, dataFilters, mathFilters, jinjaFilters, ansibleFilters]) {
  for (const [name, filter] of Object.entries(table)) filters.set(name, filter);
}
for (const [name, test] of Object.entries(jinjaTests)) tests.set(name, test);
