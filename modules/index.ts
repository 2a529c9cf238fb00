import type { ModuleDefinition } from './module.js';
import { hasJsLibraryModule, isLibraryModule, loadLibraryModule } from './library.js';

/**
 * Every built-in module, by the names it answers to. A module file is imported the first time a task
 * needs it, so a run pays only for the modules its playbook uses.
 *
 * To add a module: write modules/<name>.ts exporting a ModuleDefinition and add one line here. A short
 * name also answers as `ansible.builtin.<name>` and `ansible.legacy.<name>`; other collections' names
 * (`community.general.<name>`, `ansible.posix.<name>`) are listed in full.
 */
const catalog: ModuleEntry[] = [
  entry(['apt', 'package'], async () => (await import('./apt.js')).aptModule),
  entry(['debconf'], async () => (await import('./debconf.js')).debconfModule),
  entry(['systemd', 'systemd_service'], async () => (await import('./systemd.js')).systemdModule),
  entry(['service'], async () => (await import('./service.js')).serviceModule),
  entry(['user'], async () => (await import('./user.js')).userModule),
  entry(['group'], async () => (await import('./group.js')).groupModule),
  entry(['hostname'], async () => (await import('./hostname.js')).hostnameModule),
  entry(['locale_gen', 'community.general.locale_gen'], async () => (await import('./locale_gen.js')).localeGenModule),
  entry(['copy'], async () => (await import('./copy.js')).copyModule),
  entry(['fetch'], async () => (await import('./fetch.js')).fetchModule),
  entry(['file'], async () => (await import('./file.js')).fileModule),
  entry(['lineinfile'], async () => (await import('./lineinfile.js')).lineinfileModule),
  entry(['stat'], async () => (await import('./stat.js')).statModule),
  entry(['template'], async () => (await import('./template.js')).templateModule),
  entry(['blockinfile'], async () => (await import('./blockinfile.js')).blockinfileModule),
  entry(['replace'], async () => (await import('./replace.js')).replaceModule),
  entry(['get_url'], async () => (await import('./get_url.js')).getUrlModule),
  entry(['unarchive'], async () => (await import('./unarchive.js')).unarchiveModule),
  entry(['command'], async () => (await import('./command.js')).commandModule),
  entry(['shell'], async () => (await import('./shell.js')).shellModule),
  entry(['raw'], async () => (await import('./raw.js')).rawModule),
  entry(['debug'], async () => (await import('./debug.js')).debugModule),
  entry(['set_fact'], async () => (await import('./set_fact.js')).setFactModule),
  entry(['assert'], async () => (await import('./assert.js')).assertModule),
  entry(['fail'], async () => (await import('./fail.js')).failModule),
  entry(['ping'], async () => (await import('./ping.js')).pingModule),
  entry(['setup', 'gather_facts'], async () => (await import('./setup.js')).setupModule),
  entry(['mmdebstrap'], async () => (await import('./mmdebstrap.js')).mmdebstrapModule),
];

interface ModuleEntry {
  names: string[];
  load: () => Promise<ModuleDefinition>;
}

function entry(names: string[], load: () => Promise<ModuleDefinition>): ModuleEntry {
  return { names, load };
}

const byName = new Map<string, ModuleEntry>();
for (const module of catalog) {
  for (const name of module.names) {
    byName.set(name, module);
    if (!name.includes('.')) {
      byName.set(`ansible.builtin.${name}`, module);
      byName.set(`ansible.legacy.${name}`, module);
    }
  }
}

/** Whether a task key names a built-in or library/ module (the loader's test for "is this the action?"). */
export function isModuleName(name: string): boolean {
  return byName.has(name) || isLibraryModule(name);
}

/**
 * The module a name stands for, imported on first use; undefined when none has that name. A JS module in a
 * library/ folder wins over a built-in of the same short name; a Python one only fills names we lack.
 */
export async function loadModule(name: string): Promise<ModuleDefinition | undefined> {
  if (hasJsLibraryModule(name)) return loadLibraryModule(name);
  return byName.get(name)?.load() ?? loadLibraryModule(name);
}

export function moduleNames(): string[] {
  return [...byName.keys()];
}
