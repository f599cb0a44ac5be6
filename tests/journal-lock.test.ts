/**
 * The journal survives a torn final line (a kill or a full disk mid-append), and a run has one
 * writer at a time: a live lock refuses a second process, a dead one's lock is taken over.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/engines/engine.js';
import { Journal, readJournal, repairTornTail, type JournalHeader } from '../src/run/journal.js';
import { LOCK_FILE, acquireRunLock } from '../src/run/lock.js';
import { REPO, tempDir } from './helpers/cli.js';

const header = { schemaVersion: 1, run: { id: 'r1' } } as unknown as JournalHeader;
const thermal = (n: number) => ({ type: 'thermal' as const, snapshot: { at: `t${n}` } as never });

function journalWith(entries: number): { path: string; notes: string[]; journal: Journal } {
  const path = join(tempDir('journal'), 'journal.jsonl');
  const notes: string[] = [];
  const journal = new Journal(path, (message) => notes.push(message));
  journal.append({ type: 'header', header });
  for (let i = 0; i < entries; i++) journal.append(thermal(i));
  return { path, notes, journal };
}

describe('journal: a torn final line', () => {
  it('is cut back to the last newline before the next append, with a note, and every later read works', () => {
    const { path } = journalWith(3);
    const size = statSync(path).size;
    truncateSync(path, size - 7); // half of the last entry, no newline
    const notes: string[] = [];
    const reopened = new Journal(path, (message) => notes.push(message));
    reopened.append(thermal(9));
    reopened.append(thermal(10));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/cut a torn final line \(\d+ bytes/);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(readJournal(path).thermal.map((t) => (t as unknown as { at: string }).at)).toEqual(['t0', 't1', 't9', 't10']);
  });

  it('keeps a final entry that is whole and lacks only its newline', () => {
    const { path } = journalWith(2);
    truncateSync(path, statSync(path).size - 1);
    expect(repairTornTail(path)).toMatch(/lacked its newline/);
    expect(readJournal(path).thermal).toHaveLength(2);
    expect(repairTornTail(path)).toBeNull();
  });

  it('reads a journal an older version broke (a fragment with the next entry glued on)', () => {
    const { path } = journalWith(2);
    const text = readFileSync(path, 'utf8');
    const cut = text.slice(0, text.length - 9);
    writeFileSync(path, `${cut}${JSON.stringify(thermal(7))}\n${JSON.stringify(thermal(8))}\n`);
    expect(readJournal(path).thermal.map((t) => (t as unknown as { at: string }).at)).toEqual(['t0', 't7', 't8']);
  });
});

function childAcquire(runDir: string): Promise<{ code: number | null; out: string }> {
  const script = `import { acquireRunLock } from ${JSON.stringify(join(REPO, 'dist', 'src', 'run', 'lock.js'))};
try { const lock = await acquireRunLock(process.argv[1], (m) => console.log('note: ' + m)); console.log('held'); await new Promise((r) => setTimeout(r, 1500)); lock.release(); }
catch (e) { console.log('refused: ' + e.message); process.exitCode = 2; }`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, runDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('run lock', () => {
  it('refuses a second writer while the first is alive, and frees the run on release', async () => {
    const dir = tempDir('lock');
    const lock = await acquireRunLock(dir);
    const refused = await acquireRunLock(dir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toMatch(new RegExp(`is being written by process ${process.pid}`));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    (await acquireRunLock(dir)).release();
  });

  it('takes over the lock of a process that is gone, with a note', async () => {
    const dir = tempDir('lock-stale');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('close', resolve));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead.pid, startTicks: 1, hostname: (await import('node:os')).hostname(), startedAt: 'earlier', token: 'old' }));
    const notes: string[] = [];
    const lock = await acquireRunLock(dir, (message) => notes.push(message));
    expect(notes).toEqual([expect.stringMatching(new RegExp(`taking over the stale lock .*process ${dead.pid} .* is gone`))]);
    lock.release();
  });

  it('of several processes racing for one stale lock, exactly one gets it', async () => {
    const dir = tempDir('lock-race');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, startTicks: 1, hostname: (await import('node:os')).hostname(), startedAt: 'earlier', token: 'old' }));
    const outcomes = await Promise.all([0, 1, 2, 3].map(() => childAcquire(dir)));
    const winners = outcomes.filter((outcome) => outcome.out.includes('held'));
    expect(winners, JSON.stringify(outcomes)).toHaveLength(1);
    for (const loser of outcomes.filter((outcome) => !outcome.out.includes('held'))) expect(loser.out).toMatch(/refused: run .* is being written by process \d+/);
  }, 30_000);
});
