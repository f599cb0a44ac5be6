/** Model files are hashed once per (path, size, mtime, inode), and again as soon as any of them changes; gone files leave the memo. */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256FileRemembered } from '../src/models/hash.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('remembered sha256', () => {
  const previous = process.env.VLMBENCH_CACHE;
  const work = mkdtempSync(join(tmpdir(), 'vlmbench-hash-'));
  beforeAll(() => {
    process.env.VLMBENCH_CACHE = join(work, 'cache');
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.VLMBENCH_CACHE;
    else process.env.VLMBENCH_CACHE = previous;
  });

  it('gives the file hash, remembers it, and hashes again when the file changes', async () => {
    const file = join(work, 'weights.bin');
    writeFileSync(file, 'first content');
    utimesSync(file, 1_000_000, 1_000_000);
    expect(await sha256FileRemembered(file)).toBe(sha('first content'));
    const memo = JSON.parse(readFileSync(join(work, 'cache', 'sha256-memo.json'), 'utf8')) as Record<string, { sha256: string }>;
    expect(memo[file]?.sha256).toBe(sha('first content'));

    // Same size, new bytes, new mtime: must not be served from the memo.
    writeFileSync(file, 'other content');
    utimesSync(file, 2_000_000, 2_000_000);
    expect(await sha256FileRemembered(file)).toBe(sha('other content'));

    // The memo really is used: a planted hash for the current (size, mtime, inode) is returned as is.
    const planted = JSON.parse(readFileSync(join(work, 'cache', 'sha256-memo.json'), 'utf8')) as Record<string, { sha256: string }>;
    (planted[file] as { sha256: string }).sha256 = 'planted';
    writeFileSync(join(work, 'cache', 'sha256-memo.json'), JSON.stringify(planted));
    expect(await sha256FileRemembered(file)).toBe('planted');

    // Entries for files that are gone are dropped at the next write.
    const scratch = join(work, 'scratch.bin');
    writeFileSync(scratch, 'scratch');
    await sha256FileRemembered(scratch);
    rmSync(scratch);
    writeFileSync(file, 'third content');
    await sha256FileRemembered(file);
    const pruned = JSON.parse(readFileSync(join(work, 'cache', 'sha256-memo.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(pruned)).toEqual([file]);
  });

  it('still gives the right hash when the memo cannot be written', async () => {
    const blocker = join(work, 'not-a-folder');
    writeFileSync(blocker, 'a file where the cache folder should be');
    process.env.VLMBENCH_CACHE = join(blocker, 'cache');
    const file = join(work, 'other.bin');
    writeFileSync(file, 'unwritable memo');
    expect(await sha256FileRemembered(file)).toBe(sha('unwritable memo'));
    process.env.VLMBENCH_CACHE = join(work, 'cache');
  });
});
