/**
 * Generated model folders in the cache: built once per stamp (a generator version and seed), with
 * each file's size and sha256 recorded, and checked against that record every time they are used.
 * A folder whose files no longer match (a truncation by a full disk or a kill, an edit) is named
 * in one line and repaired by regenerating: the generators are deterministic, so only the files
 * that differ are replaced, each by an atomic rename, and a process loading the others is not
 * disturbed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256FileRemembered } from './hash.js';
import { INTEGRITY_FILE, recordFiles, verifyFiles } from './integrity.js';

const STAMP_FILE = '.vlmbench-complete';

export type Note = (message: string) => void;

const toStderr: Note = (message) => console.error(`vlmbench: ${message}`);

async function sameFile(path: string, expected: { bytes: number; sha256: string }): Promise<boolean> {
  return existsSync(path) && statSync(path).size === expected.bytes && (await sha256FileRemembered(path)) === expected.sha256;
}

function stagingFor(dir: string): string {
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  return staging;
}

/** Regenerates into a staging folder and moves in only the files that differ from the fresh copy. */
async function repairInPlace(dir: string, write: (staging: string) => Promise<void>): Promise<string[]> {
  const staging = stagingFor(dir);
  const replaced: string[] = [];
  try {
    await write(staging);
    const record = await recordFiles(staging);
    for (const [file, expected] of Object.entries(record)) {
      const target = join(dir, file);
      if (await sameFile(target, expected)) continue;
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(staging, file), target);
      replaced.push(file);
    }
    renameSync(join(staging, INTEGRITY_FILE), join(dir, INTEGRITY_FILE));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return replaced;
}

/**
 * Builds `dir` once per `stamp`: writes into a private staging folder, records and stamps it, and
 * renames it into place, so a racing process (parallel tests, two runs) never sees half a model.
 * A stamped folder is verified against its record and repaired when it differs. Returns true when
 * it generated (or repaired) files now, false when the folder was complete and intact.
 */
export async function buildOnce(dir: string, stamp: string, write: (staging: string) => Promise<void>, note: Note = toStderr): Promise<boolean> {
  const stampPath = join(dir, STAMP_FILE);
  const stamped = (): boolean => existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === stamp;
  if (stamped()) {
    const check = await verifyFiles(dir);
    if (check.ok) return false;
    // A folder made before records existed is regenerated once too: its files cannot be vouched for.
    note(check.unrecorded ? `${check.message}; regenerating to check and record them` : `${check.message} — regenerating it`);
    const replaced = await repairInPlace(dir, write);
    const after = await verifyFiles(dir);
    if (!after.ok) throw new Error(`regenerating ${dir} did not repair it: ${after.message}`);
    if (replaced.length > 0) note(`repaired ${dir}: regenerated ${replaced.join(', ')}`);
    return true;
  }
  const staging = stagingFor(dir);
  try {
    await write(staging);
    await recordFiles(staging);
    writeFileSync(join(staging, STAMP_FILE), `${stamp}\n`);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      // Another process put its identical, deterministic copy in place first.
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!stamped()) throw new Error(`model generation into ${dir} did not complete`);
  return true;
}
