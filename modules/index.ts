import { assertModule } from './assert.js';
import { commandModule } from './command.js';
import { debugModule } from './debug.js';
import { failModule } from './fail.js';
import { pingModule } from './ping.js';
import { rawModule } from './raw.js';
import { setFactModule } from './set_fact.js';
import { mmdebstrapModule } from './mmdebstrap.js';
import { setupModule } from './setup.js';
import { shellModule } from './shell.js';
import { copyModule } from './copy.js';
import { fetchModule } from './fetch.js';
import { fileModule } from './file.js';
import { lineinfileModule } from './lineinfile.js';
import { statModule } from './stat.js';
import { templateModule } from './template.js';
import { blockinfileModule } from './blockinfile.js';
import { getUrlModule } from './get_url.js';
import { replaceModule } from './replace.js';
import { unarchiveModule } from './unarchive.js';
import { aptModule } from './apt.js';
import { debconfModule } from './debconf.js';
import { systemdModule } from './systemd.js';
import { serviceModule } from './service.js';
import { userModule } from './user.js';
import { groupModule } from './group.js';
import { hostnameModule } from './hostname.js';
import { localeGenModule } from './locale_gen.js';
import type { ModuleDefinition } from './module.js';

/**
 * Every built-in module, by short name, FQCN (`ansible.builtin.<name>`) and alias.
 * To add a module: write modules/<name>.ts exporting a ModuleDefinition and list it here.
 */
const builtins: ModuleDefinition[] = [
  aptModule, debconfModule,
  systemdModule, serviceModule, userModule, groupModule, hostnameModule, localeGenModule,
  copyModule, fetchModule, fileModule, lineinfileModule, statModule, templateModule,
  blockinfileModule, replaceModule, getUrlModule, unarchiveModule,
  commandModule, shellModule, rawModule, debugModule, setFactModule, assertModule, failModule, pingModule, setupModule, mmdebstrapModule,
];

const byName = new Map<string, ModuleDefinition>();
for (const module of builtins) {
  for (const name of [module.name, ...(module.aliases ?? [])]) {
    byName.set(name, module);
    byName.set(`ansible.builtin.${name}`, module);
    byName.set(`ansible.legacy.${name}`, module);
  }
}

export function findModule(name: string): ModuleDefinition | undefined {
  return byName.get(name);
}

export function moduleNames(): string[] {
  return [...byName.keys()];
}
