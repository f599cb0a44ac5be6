/**
 * What a model folder should hold: each file's size and sha256, recorded when vlmbench generated
 * or downloaded it (`.vlmbench-files.json` in the folder). A later load compares the files with
 * the record, so a file truncated by a full disk or a kill is found and named, instead of being
 * trusted because the folder looks complete.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../engines/engine.js';
import { listFiles, sha256FileRemembered } from './hash.js';

export const INTEGRITY_FILE = '.vlmbench-files.json';

export interface FileRecord {
  bytes: number;
  sha256: string;
}

/** Relative path → size and hash. */
export type FolderRecord = Record<string, FileRecord>;

/** vlmbench's own bookkeeping files, never part of a model. */
export function isBookkeeping(relativePath: string): boolean {
  return relativePath.startsWith('.vlmbench');
}

export function readRecord(dir: string): FolderRecord | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, INTEGRITY_FILE), 'utf8')) as { files?: FolderRecord };
    return parsed.files && typeof parsed.files === 'object' ? parsed.files : null;
  } catch {
    return null;
  }
}

/**
 * Records size and sha256 of `files` (relative paths; default: every file in the folder), merged
 * into the folder's record, so folders that several downloads fill (one per quantisation) keep
 * every file's entry. Written atomically.
 */
export async function recordFiles(dir: string, files: string[] = listFiles(dir).filter((file) => !isBookkeeping(file))): Promise<FolderRecord> {
  const record: FolderRecord = { ...(readRecord(dir) ?? {}) };
  for (const file of files) {
    const path = join(dir, file);
    record[file] = { bytes: statSync(path).size, sha256: await sha256FileRemembered(path) };
  }
  const staging = join(dir, `${INTEGRITY_FILE}.tmp-${process.pid}`);
  writeFileSync(staging, `${JSON.stringify({ files: record }, null, 1)}\n`);
  renameSync(staging, join(dir, INTEGRITY_FILE));
  return record;
}

export type Verification = { ok: true } | { ok: false; unrecorded: true; message: string } | { ok: false; unrecorded: false; file: string; message: string };

/**
 * Compares the files (default: every recorded one) with the record. The first mismatch is one line
 * naming the file; a folder or file without a record is reported as unrecorded.
 */
export async function verifyFiles(dir: string, files?: string[]): Promise<Verification> {
  const record = readRecord(dir);
  if (!record) return { ok: false, unrecorded: true, message: `${dir} has no record of its files' sizes and hashes (${INTEGRITY_FILE})` };
  for (const file of files ?? Object.keys(record).sort()) {
    const expected = record[file];
    if (!expected) return { ok: false, unrecorded: true, message: `model file ${join(dir, file)} has no recorded size and hash` };
    const path = join(dir, file);
    const fail = (problem: string): Verification => ({ ok: false, unrecorded: false, file, message: `model file ${path} ${problem}` });
    if (!existsSync(path)) return fail(`is missing (recorded ${expected.bytes} bytes)`);
    const bytes = statSync(path).size;
    if (bytes !== expected.bytes) return fail(`is ${bytes} bytes, but ${expected.bytes} were recorded (truncated or changed since)`);
    const sha256 = await sha256FileRemembered(path);
    if (sha256 !== expected.sha256) return fail(`has sha256 ${sha256.slice(0, 12)}…, but ${expected.sha256.slice(0, 12)}… was recorded (changed since)`);
  }
  return { ok: true };
}

