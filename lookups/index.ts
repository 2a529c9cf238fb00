import { createRequire } from 'node:module';
import { TemplateError } from '../src/core/errors.js';
import { LookupError, UndefinedLookupVariable, type LookupContext, type LookupPlugin } from './lookup.js';

/**
 * Every lookup, by the names it answers to. A lookup's file is loaded the first time a template or a
 * `with_<name>` loop needs it. Templates are rendered synchronously, so the file is loaded with
 * require() (Node's require of an ES module, in Node 20.19 and later) instead of import().
 *
 * To add a lookup: write lookups/<name>.ts exporting a LookupPlugin and add one line here. A short name
 * also answers as `ansible.builtin.<name>`; other collections' names are listed in full.
 */
const load = createRequire(import.meta.url);
const catalog: LookupEntry[] = [
  entry(['items'], () => (load('./items.js') as typeof import('./items.js')).itemsLookup),
  entry(['list'], () => (load('./list.js') as typeof import('./list.js')).listLookup),
  entry(['dict'], () => (load('./dict.js') as typeof import('./dict.js')).dictLookup),
  entry(['indexed_items'], () => (load('./indexed_items.js') as typeof import('./indexed_items.js')).indexedItemsLookup),
  entry(['together'], () => (load('./together.js') as typeof import('./together.js')).togetherLookup),
  entry(['nested'], () => (load('./nested.js') as typeof import('./nested.js')).nestedLookup),
  entry(['subelements'], () => (load('./subelements.js') as typeof import('./subelements.js')).subelementsLookup),
  entry(['sequence'], () => (load('./sequence.js') as typeof import('./sequence.js')).sequenceLookup),
  entry(['first_found'], () => (load('./first_found.js') as typeof import('./first_found.js')).firstFoundLookup),
  entry(['fileglob'], () => (load('./fileglob.js') as typeof import('./fileglob.js')).fileglobLookup),
  entry(['file'], () => (load('./file.js') as typeof import('./file.js')).fileLookup),
  entry(['lines'], () => (load('./lines.js') as typeof import('./lines.js')).linesLookup),
  entry(['pipe'], () => (load('./pipe.js') as typeof import('./pipe.js')).pipeLookup),
  entry(['template'], () => (load('./template.js') as typeof import('./template.js')).templateLookup),
  entry(['env'], () => (load('./env.js') as typeof import('./env.js')).envLookup),
  entry(['vars'], () => (load('./vars.js') as typeof import('./vars.js')).varsLookup),
  entry(['varnames'], () => (load('./varnames.js') as typeof import('./varnames.js')).varnamesLookup),
  entry(['random_choice'], () => (load('./random_choice.js') as typeof import('./random_choice.js')).randomChoiceLookup),
  entry(['password'], () => (load('./password.js') as typeof import('./password.js')).passwordLookup),
  entry(['ini'], () => (load('./ini.js') as typeof import('./ini.js')).iniLookup),
  entry(['csvfile'], () => (load('./csvfile.js') as typeof import('./csvfile.js')).csvfileLookup),
  entry(['config'], () => (load('./config.js') as typeof import('./config.js')).configLookup),
  entry(['unvault'], () => (load('./unvault.js') as typeof import('./unvault.js')).unvaultLookup),
  entry(['inventory_hostnames'], () => (load('./inventory_hostnames.js') as typeof import('./inventory_hostnames.js')).inventoryHostnamesLookup),
  entry(['url'], () => (load('./url.js') as typeof import('./url.js')).urlLookup),
];

interface LookupEntry {
  names: string[];
  load: () => LookupPlugin;
  loaded?: LookupPlugin;
}

function entry(names: string[], loader: () => LookupPlugin): LookupEntry {
  return { names, load: loader };
}

const byName = new Map<string, LookupEntry>();
for (const lookup of catalog) {
  for (const name of lookup.names) {
    byName.set(name, lookup);
    if (!name.includes('.')) {
      byName.set(`ansible.builtin.${name}`, lookup);
      byName.set(`ansible.legacy.${name}`, lookup);
    }
  }
}

/** Whether a lookup of that name exists (without loading it). */
export function hasLookup(name: string): boolean {
  return byName.has(name);
}

export function lookupPlugin(name: string): LookupPlugin {
  const found = byName.get(name);
  if (!found) throw new TemplateError(`lookup plugin (${name}) not found`);
  try {
    return (found.loaded ??= found.load());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') throw new TemplateError(`lookup '${name}' needs Node 20.19 or later (require of ES modules)`);
    throw error;
  }
}

type ErrorsMode = 'strict' | 'warn' | 'ignore';

/**
 * `lookup()`/`query()` in a template: runs the lookup and shapes its answer as Ansible's Templar does.
 * `query` (or `wantlist=True`) gives the list; `lookup` joins a list of strings with commas, gives a lone
 * non-string item as it is, and otherwise the list. `errors=warn|ignore` turns a failure into None (or []).
 */
export function callLookup(makeContext: () => LookupContext, name: unknown, terms: unknown[], keywords: Record<string, unknown>, query: boolean): unknown {
  const { wantlist, errors = 'strict', allow_unsafe: _allowUnsafe, ...options } = keywords;
  if (typeof name !== 'string') throw new TemplateError(`a lookup's name must be a string, got ${JSON.stringify(name)}`);
  if (!['strict', 'warn', 'ignore'].includes(String(errors))) {
    throw new TemplateError(`lookup '${name}': errors must be 'strict', 'warn' or 'ignore', got '${String(errors)}'`);
  }
  const asList = query || wantlist === true;
  const plugin = lookupPlugin(name);
  let results: unknown[];
  try {
    results = plugin.run(terms, options, makeContext());
  } catch (error) {
    if (!(error instanceof Error) || isUndefinedVariable(error)) throw error;
    const ownWords = error instanceof LookupError && error.ownWords;
    const message = ownWords ? error.message : `An unhandled exception occurred while running the lookup plugin '${name}'. Error was a <class '${error instanceof LookupError ? error.pythonClass : 'ansible.errors.AnsibleError'}'>, original message: ${error.message}. ${error.message}`;
    if (errors === 'strict') throw ownWords ? error : new LookupError(message, true);
    if ((errors as ErrorsMode) === 'warn') process.stderr.write(`[WARNING]: ${ownWords ? `Lookup failed but the error is being ignored: ${message}` : message}\n`);
    return asList ? [] : null;
  }
  if (asList || results.length === 0) return results;
  if (results.every((item) => typeof item === 'string')) return results.join(',');
  return results.length === 1 ? results[0] : results;
}

function isUndefinedVariable(error: Error): boolean {
  if (error instanceof UndefinedLookupVariable) return true;
  return error instanceof TemplateError && !(error instanceof LookupError) && / is undefined/.test(error.message);
}
