/** Worker sockets left by a killed QVAC host are removed; those of live processes are kept. */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleWorkerSockets } from '../src/engines/qvac-sockets.js';
import { tempDir } from './helpers/cli.js';

/** A process that opens a worker-style socket named after itself, then dies by SIGKILL: the file stays. */
async function leaveSocketBehind(dir: string): Promise<string> {
  const script = `const net = require('node:net'); const path = require('node:path');
const file = path.join(process.argv[1], 'qvac-worker-' + process.pid + '-mx7czs68-d6ab.sock');
net.createServer().listen(file, () => console.log(file));`;
  const child = spawn(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const file = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('close', resolve));
  return file;
}

describe('stale QVAC worker sockets', () => {
  it('removes the sockets of dead processes and keeps live ones and other files', async () => {
    const dir = tempDir('sockets');
    const stale = await leaveSocketBehind(dir);
    expect(existsSync(stale)).toBe(true);
    const liveServer = createServer();
    const live = join(dir, `qvac-worker-${process.pid}-mx7czs69-beef.sock`);
    await new Promise<void>((resolve) => liveServer.listen(live, resolve));
    const plainFile = join(dir, 'qvac-worker-999999-mx7czs70-cafe.sock');
    writeFileSync(plainFile, 'not a socket');
    try {
      expect(removeStaleWorkerSockets(dir)).toEqual([stale]);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(plainFile)).toBe(true);
    } finally {
      liveServer.close();
    }
  });
});
