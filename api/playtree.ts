// The types of playtree's plug-in interfaces, for people who write their own drivers and modules:
// `connection_plugins/NAME.js` (a ConnectionFactory) and `library/NAME.js` (a ModuleDefinition).
// `npm run build` emits declarations from this file (tsconfig.types.json) into dist/types/, and the
// package's `types` points there: `import type { Connection, ModuleDefinition } from 'playtree'`.
// Types only: the package has no runtime entry for library users. Re-export only what a plug-in sees.

export type { Connection, ConnectionFactory, ConnectionOptions, ExecOptions, ExecResult } from '../connections/connection.js';
export type {
  ArgSpec,
  ArgType,
  Controller,
  FileDiff,
  ModuleContext,
  ModuleDefinition,
  ModuleResult,
  Target,
} from '../modules/module.js';
export type { TemplateFileOptions, TemplateSyntax } from '../src/template/templateOptions.js';
