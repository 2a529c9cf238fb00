// An example playtree connection plugin: copy this file into a `connection_plugins/` folder next to your
// inventory, playbook or ansible.cfg, then use `ansible_connection=local_logged` (the file name is the name).
//
// It runs commands on the controller like the built-in `local` driver and appends every command it runs to
// the file named by the host variable `local_logged_file` (default /tmp/playtree-local_logged.log).
// A plugin is plain JavaScript (ESM): its default export receives
// { host, vars, config, log } and returns an object with transport, open, exec, put, fetch and close
// (the contract is written down in playtree's connections/connection.ts). The JSDoc type below gives editors
// and `tsc --checkJs` that interface (`npm install -D playtree`).
import { spawn } from 'node:child_process';
import { appendFile, rename, rm } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** @type {import('playtree').ConnectionFactory} */
export default function createConnection({ host, vars, log }) {
  const logFile = String(vars.local_logged_file ?? '/tmp/playtree-local_logged.log');
  const shell = String(vars.ansible_executable ?? '/bin/sh');
  const note = (/** @type {string} */ line) => appendFile(logFile, `${new Date().toISOString()} ${host} ${line}\n`);

  return {
    transport: 'local_logged',

    async open() {
      await note('open');
    },

    async exec(command, options = {}) {
      await note(`exec ${JSON.stringify(command)}`);
      log(3, `<${host}> LOCAL_LOGGED EXEC ${command}`);
      const child = spawn(shell, ['-c', command], { stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      if (child.stdin) {
        child.stdin.on('error', () => {}); // the command may exit without reading its input
        if (typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)) child.stdin.end(options.stdin);
        else if (options.stdin) options.stdin.pipe(child.stdin);
      }
      /** @type {Buffer[]} */
      const stdout = [];
      /** @type {Buffer[]} */
      const stderr = [];
      child.stdout?.on('data', (chunk) => stdout.push(chunk));
      child.stderr?.on('data', (chunk) => stderr.push(chunk));
      const rc = await new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code) => resolve(code ?? 1));
      });
      return { rc, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
    },

    async put(source, remotePath) {
      await note(`put ${remotePath}`);
      // Write beside the destination, then rename: a failed copy leaves no half-written file.
      const temporary = `${remotePath}.local_logged-${process.pid}`;
      try {
        await pipeline(source, createWriteStream(temporary, { flags: 'wx' }));
        await rename(temporary, remotePath);
      } catch (error) {
        await rm(temporary, { force: true });
        throw new Error(`${host}: could not write ${remotePath}: ${error instanceof Error ? error.message : error}`);
      }
    },

    async fetch(remotePath, sink) {
      await note(`fetch ${remotePath}`);
      await pipeline(createReadStream(remotePath), sink);
    },

    async close() {
      await note('close');
    },
  };
}
