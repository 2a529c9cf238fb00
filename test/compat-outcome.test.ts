import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadManifest } from '../compat/manifest.js';
import { finalProblem, firstDifference, recapOf } from '../compat/outcome.js';
import { cloneUrl } from '../compat/sources.js';

const OUTPUT = `
PLAY [compat] ******

TASK [Gathering Facts] ******
ok: [testhost]

TASK [role : write it] ******
fatal: [testhost]: FAILED! => {"changed": false, "msg": "boom"}

TASK [role : tolerated] ******
fatal: [testhost]: FAILED! => {"msg": "meh"}
...ignoring

PLAY RECAP *********
otherhost                  : ok=9    changed=9    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
testhost                   : ok=3    changed=1    unreachable=0    failed=1    skipped=2    rescued=0    ignored=1
`;

test('compat sums the recap counts of every host', () => {
  assert.deepEqual(recapOf(OUTPUT), { ok: 12, changed: 10, unreachable: 0, failed: 1, skipped: 2, rescued: 0, ignored: 1 });
  assert.equal(recapOf('no recap here'), undefined);
});

test('compat names the failed task that ended the run, not one that was ignored or rescued earlier', () => {
  assert.equal(finalProblem(OUTPUT), '[role : write it] FAILED! => {"changed": false, "msg": "boom"}');
  const rescued = 'TASK [a]\nfatal: [h]: FAILED! => {"msg": "expected"}\nTASK [b]\nfatal: [h]: FAILED! => {"msg": "real"}\n';
  assert.equal(finalProblem(rescued), '[b] FAILED! => {"msg": "real"}');
  assert.equal(finalProblem('ERROR! couldn\'t resolve module/action \'x\''), "ERROR! couldn't resolve module/action 'x'");
});

test('compat reports the first recap count that differs, or the failure of a run that did not finish', () => {
  const clean = (ok: number) => ({ exitCode: 0, recap: { ok, changed: 0 } });
  assert.equal(firstDifference(clean(5), clean(5)), '');
  assert.equal(firstDifference(clean(5), clean(4)), 'ok: ansible 5, playtree 4');
  assert.equal(firstDifference(clean(5), { exitCode: 4, problem: 'ERROR! x' }), 'ERROR! x');
  assert.equal(firstDifference({ exitCode: 2, problem: '[t] no systemd' }, clean(1)), 'ansible exit 2: [t] no systemd');
});

test('compat clones from a local git folder when PLAYTREE_COMPAT_GIT holds one, else from GitHub', () => {
  const source = { name: 'x', repo: 'owner/name', commit: '0'.repeat(40) };
  assert.equal(cloneUrl(source, undefined), 'https://github.com/owner/name.git');
  assert.equal(cloneUrl(source, '/nonexistent'), 'https://github.com/owner/name.git');
});

test('the compat manifest pins every source to a commit and every item to a known source', async () => {
  const manifest = await loadManifest(fileURLToPath(new URL('../../compat/manifest.yml', import.meta.url)));
  assert.ok(manifest.items.length >= 35);
  assert.ok(manifest.items.filter((item) => item.source !== 'ansible').length >= 8, 'at least 8 public roles');
  for (const item of manifest.items) assert.ok(manifest.sources.has(item.source), item.name);
});
