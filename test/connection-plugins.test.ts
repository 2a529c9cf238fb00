import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { loadConnectionPlugins } from '../connections/plugins.js';
import { connectionFactory } from '../connections/registry.js';
import { ConnectionError } from '../src/core/errors.js';

/** examples/connection_plugins/local_logged.js, from dist/test/ (compiled) or test/ (source). */
const EXAMPLE = fileURLToPath(new URL('../../examples/connection_plugins/local_logged.js', import.meta.url));

async function pluginFolder(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'playtree-plugins-'));
  await mkdir(join(folder, 'connection_plugins'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, 'connection_plugins', name), text);
  return folder;
}

describe('connection plugins from connection_plugins/ folders', () => {
  const folders: string[] = [];
  after(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  test('the example local_logged plugin registers under its file name, runs commands and logs them', async () => {
    const folder = await pluginFolder({});
    folders.push(folder);
    await copyFile(EXAMPLE, join(folder, 'connection_plugins', 'local_logged.js'));
    await loadConnectionPlugins([folder]);
    const logFile = join(folder, 'commands.log');
    const connection = connectionFactory('local_logged')({ host: 'h', vars: { local_logged_file: logFile }, config: {}, log: () => {} });
    await connection.open();
    const result = await connection.exec('printf hello; exit 3');
    assert.equal(result.rc, 3);
    assert.equal(result.stdout.toString(), 'hello');
    assert.match(await readFile(logFile, 'utf8'), /h exec "printf hello; exit 3"/);
  });

  test('an .mjs plugin with a named createConnection export is registered too', async () => {
    const folder = await pluginFolder({
      'echoer.mjs': `export function createConnection({ host }) {
        return { transport: 'echoer', open: async () => {}, close: async () => {}, put: async () => {}, fetch: async () => {},
          exec: async (command) => ({ rc: 0, stdout: Buffer.from(host + ':' + command), stderr: Buffer.alloc(0) }) };
      }`,
    });
    folders.push(folder);
    await loadConnectionPlugins([folder]);
    const connection = connectionFactory('echoer')({ host: 'web1', vars: {}, config: {}, log: () => {} });
    assert.equal((await connection.exec('uptime')).stdout.toString(), 'web1:uptime');
  });

  test('a plugin that fails to load is reported with its file and the reason', async () => {
    const folder = await pluginFolder({ 'broken.js': 'export default function (' });
    folders.push(folder);
    await assert.rejects(loadConnectionPlugins([folder]), (error: Error) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.message, /connection plugin .*connection_plugins\/broken\.js failed to load: .*SyntaxError|connection plugin .*broken\.js failed to load: /);
      assert.equal(error.message.includes('\n'), false);
      return true;
    });
  });

  test('a plugin exporting no factory is reported with what to export', async () => {
    const folder = await pluginFolder({ 'empty.js': 'export const nothing = 1;' });
    folders.push(folder);
    await assert.rejects(loadConnectionPlugins([folder]), /connection plugin .*empty\.js exports no connection factory; export default/);
  });

  test('a plugin whose connection lacks methods names the missing ones', async () => {
    const folder = await pluginFolder({ 'partial.js': "export default () => ({ transport: 'partial', exec: async () => ({}), open: async () => {} });" });
    folders.push(folder);
    await loadConnectionPlugins([folder]);
    assert.throws(
      () => connectionFactory('partial')({ host: 'h', vars: {}, config: {}, log: () => {} }),
      /connection plugin .*partial\.js: its connection does not implement put\(\), fetch\(\), close\(\)/,
    );
  });

  test('folders without connection_plugins/ are ignored', async () => {
    await loadConnectionPlugins([join(tmpdir(), 'playtree-no-such-folder')]);
    assert.throws(() => connectionFactory('never_registered'), /the connection plugin 'never_registered' was not found/);
  });
});
