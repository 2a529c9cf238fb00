/**
 * Modules that exist in Ansible but not (yet) in playtree. A role for several distributions names them in
 * task files it runs only elsewhere (`yum:` under `when: ansible_os_family == 'RedHat'`), so playtree loads
 * such tasks as Ansible does and fails only when one is reached, naming the module and where a JS module
 * of that name can be dropped in. A name in none of these lists is still an error at load (a typo).
 */

/** ansible-core 2.14's own modules that playtree does not have. */
const BUILTIN = [
  'add_host', 'async_status', 'dnf', 'dpkg_selections', 'expect', 'find', 'group_by', 'iptables',
  'reboot', 'rpm_key', 'set_stats', 'slurp', 'subversion', 'sysvinit', 'uri', 'wait_for', 'wait_for_connection',
  'yum', 'yum_repository',
];

/** Well-known collection modules roles name by their short name (Ansible routes those to the collection). */
const ROUTED_SHORT_NAMES = [
  'acl', 'apk', 'archive', 'at', 'capabilities', 'composer', 'dnf5', 'filesystem', 'firewalld', 'flatpak',
  'gem', 'homebrew', 'homebrew_cask', 'htpasswd', 'jenkins_plugin', 'lvg', 'lvol', 'make', 'mysql_db',
  'mysql_user', 'nmcli', 'npm', 'openssl_certificate', 'openssl_csr', 'openssl_privatekey', 'pacman',
  'parted', 'patch', 'pear', 'pkgng', 'postgresql_db', 'postgresql_user', 'rhsm_repository', 'seboolean',
  'sefcontext', 'snap', 'synchronize', 'xattr', 'xml', 'zfs', 'zypper', 'zypper_repository',
  'docker_container', 'docker_image', 'docker_network', 'docker_volume', 'x509_certificate',
];

/** Collections whose fully qualified names are accepted at load (the module may exist there). */
const COLLECTION_PREFIXES = ['ansible.builtin.', 'ansible.legacy.', 'ansible.posix.', 'community.', 'containers.', 'kubernetes.'];

const SHORT = new Set([...BUILTIN, ...ROUTED_SHORT_NAMES]);

/** Whether `name` is an Ansible module playtree lacks (load it, fail when reached) rather than a typo. */
export function isAnsibleModuleElsewhere(name: string): boolean {
  if (SHORT.has(name)) return true;
  const prefix = COLLECTION_PREFIXES.find((p) => name.startsWith(p));
  if (!prefix) return false;
  const short = name.slice(prefix.length);
  // ansible.builtin.x must be one of ansible-core's names; other collections are taken at their word.
  return prefix.startsWith('ansible.b') || prefix.startsWith('ansible.l') ? BUILTIN.includes(short) : /^[a-z0-9_]+(\.[a-z0-9_]+)?$/.test(short);
}
