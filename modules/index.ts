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
  entry(['apt'], async () => (await import('./apt.js')).aptModule),
  entry(['package'], async () => (await import('./package.js')).packageModule),
  entry(['package_facts'], async () => (await import('./package_facts.js')).packageFactsModule),
  entry(['apt_repository'], async () => (await import('./apt_repository.js')).aptRepositoryModule),
  entry(['apt_key'], async () => (await import('./apt_key.js')).aptKeyModule),
  entry(['deb822_repository'], async () => (await import('./deb822_repository.js')).deb822RepositoryModule),
  entry(['debconf'], async () => (await import('./debconf.js')).debconfModule),
  entry(['systemd', 'systemd_service'], async () => (await import('./systemd.js')).systemdModule),
  entry(['service'], async () => (await import('./service.js')).serviceModule),
  entry(['service_facts'], async () => (await import('./service_facts.js')).serviceFactsModule),
  entry(['selinux', 'ansible.posix.selinux'], async () => (await import('./selinux.js')).selinuxModule),
  entry(['ansible.posix.seboolean', 'seboolean'], async () => (await import('./seboolean.js')).sebooleanModule),
  entry(['community.general.sefcontext', 'sefcontext'], async () => (await import('./sefcontext.js')).sefcontextModule),
  entry(['community.general.ufw', 'ufw'], async () => (await import('./ufw.js')).ufwModule),
  entry(['user'], async () => (await import('./user.js')).userModule),
  entry(['group'], async () => (await import('./group.js')).groupModule),
  entry(['hostname'], async () => (await import('./hostname.js')).hostnameModule),
  entry(['locale_gen', 'community.general.locale_gen'], async () => (await import('./locale_gen.js')).localeGenModule),
  entry(['copy'], async () => (await import('./copy.js')).copyModule),
  entry(['fetch'], async () => (await import('./fetch.js')).fetchModule),
  entry(['file'], async () => (await import('./file.js')).fileModule),
  entry(['lineinfile'], async () => (await import('./lineinfile.js')).lineinfileModule),
  entry(['find'], async () => (await import('./find.js')).findModule),
  entry(['stat'], async () => (await import('./stat.js')).statModule),
  entry(['template'], async () => (await import('./template.js')).templateModule),
  entry(['blockinfile'], async () => (await import('./blockinfile.js')).blockinfileModule),
  entry(['replace'], async () => (await import('./replace.js')).replaceModule),
  entry(['uri'], async () => (await import('./uri.js')).uriModule),
  entry(['get_url'], async () => (await import('./get_url.js')).getUrlModule),
  entry(['unarchive'], async () => (await import('./unarchive.js')).unarchiveModule),
  entry(['pip'], async () => (await import('./pip.js')).pipModule),
  entry(['git'], async () => (await import('./git.js')).gitModule),
  entry(['command'], async () => (await import('./command.js')).commandModule),
  entry(['shell'], async () => (await import('./shell.js')).shellModule),
  entry(['raw'], async () => (await import('./raw.js')).rawModule),
  entry(['debug'], async () => (await import('./debug.js')).debugModule),
  entry(['set_fact'], async () => (await import('./set_fact.js')).setFactModule),
  entry(['assert'], async () => (await import('./assert.js')).assertModule),
  entry(['fail'], async () => (await import('./fail.js')).failModule),
  entry(['pause'], async () => (await import('./pause.js')).pauseModule),
  entry(['ping'], async () => (await import('./ping.js')).pingModule),
  entry(['setup', 'gather_facts'], async () => (await import('./setup.js')).setupModule),
  entry(['assemble'], async () => (await import('./assemble.js')).assembleModule),
  entry(['script'], async () => (await import('./script.js')).scriptModule),
  entry(['tempfile'], async () => (await import('./tempfile.js')).tempfileModule),
  entry(['ini_file', 'community.general.ini_file'], async () => (await import('./ini_file.js')).iniFileModule),
  entry(['sysctl', 'ansible.posix.sysctl'], async () => (await import('./sysctl.js')).sysctlModule),
  entry(['mount', 'ansible.posix.mount'], async () => (await import('./mount.js')).mountModule),
  entry(['cron'], async () => (await import('./cron.js')).cronModule),
  entry(['authorized_key', 'ansible.posix.authorized_key'], async () => (await import('./authorized_key.js')).authorizedKeyModule),
  entry(['pam_limits', 'community.general.pam_limits'], async () => (await import('./pam_limits.js')).pamLimitsModule),
  entry(['kernel_blacklist', 'community.general.kernel_blacklist'], async () => (await import('./kernel_blacklist.js')).kernelBlacklistModule),
  entry(['modprobe', 'community.general.modprobe'], async () => (await import('./modprobe.js')).modprobeModule),
  entry(['known_hosts'], async () => (await import('./known_hosts.js')).knownHostsModule),
  entry(['alternatives', 'community.general.alternatives'], async () => (await import('./alternatives.js')).alternativesModule),
  entry(['timezone', 'community.general.timezone'], async () => (await import('./timezone.js')).timezoneModule),
  entry(['getent'], async () => (await import('./getent.js')).getentModule),
  entry(['slurp'], async () => (await import('./slurp.js')).slurpModule),
  entry(['wait_for'], async () => (await import('./wait_for.js')).waitForModule),
  entry(['wait_for_connection'], async () => (await import('./wait_for_connection.js')).waitForConnectionModule),
  entry(['set_stats'], async () => (await import('./set_stats.js')).setStatsModule),
  entry(['reboot'], async () => (await import('./reboot.js')).rebootModule),
  entry(['sysvinit'], async () => (await import('./sysvinit.js')).sysvinitModule),
  entry(['dpkg_selections'], async () => (await import('./dpkg_selections.js')).dpkgSelectionsModule),
  entry(['group_by'], async () => (await import('./group_by.js')).groupByModule),
  entry(['add_host'], async () => (await import('./add_host.js')).addHostModule),
  entry(['mmdebstrap'], async () => (await import('./mmdebstrap.js')).mmdebstrapModule),
];

interface ModuleEntry {
  names: string[];
  load: () => Promise<ModuleDefinition>;
}

/** The import is made once (a failed one is tried again): a dynamic import() per task cost a new hidden class each time. */
function entry(names: string[], load: () => Promise<ModuleDefinition>): ModuleEntry {
  let loaded: Promise<ModuleDefinition> | undefined;
  return {
    names,
    load: () =>
      (loaded ??= load().catch((error: unknown) => {
        loaded = undefined;
        throw error;
      })),
  };
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
