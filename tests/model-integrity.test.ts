/**
 * Model folders record each file's size and sha256; a mismatch at load is named in one line and
 * repaired (regenerated, or downloaded again); a model that still cannot load fails its cells
 * (`failed`), it is never `unavailable`.
 */
import { cpSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOnce } from '../src/models/build-once.js';
import { sha256File } from '../src/models/hash.js';
import { tinyDir } from '../src/models/tiny/index.js';
import { INTEGRITY_FILE, readRecord, recordFiles, verifyFiles } from '../src/models/integrity.js';
import { ResultsSchema } from '../src/results/schema.js';
import { fixtureFolder, runCli, tempDir } from './helpers/cli.js';

const quick = ['--runs', '1', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '4', '--no-report'];

function resultsOf(stdout: string) {
  const path = /results: (\S+)/.exec(stdout)?.[1] as string;
  return ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
}

describe('generated model folders', () => {
  it('a stamped folder whose file no longer matches its record is named and regenerated; an intact one is left alone', async () => {
    const dir = join(tempDir('build-once'), 'model');
    let writes = 0;
    const write = async (staging: string) => {
      writes++;
      mkdirSync(join(staging, 'onnx'), { recursive: true });
      writeFileSync(join(staging, 'onnx', 'weights.bin'), Buffer.alloc(4096, 7));
      writeFileSync(join(staging, 'config.json'), '{"a":1}');
    };
    const notes: string[] = [];
    expect(await buildOnce(dir, 's1', write, (m) => notes.push(m))).toBe(true);
    expect(readRecord(dir)?.['onnx/weights.bin']?.bytes).toBe(4096);
    expect(await buildOnce(dir, 's1', write, (m) => notes.push(m))).toBe(false);
    expect(notes).toEqual([]);

    truncateSync(join(dir, 'onnx', 'weights.bin'), 100);
    const inode = statSync(join(dir, 'config.json')).ino;
    expect(await buildOnce(dir, 's1', write, (m) => notes.push(m))).toBe(true);
    expect(notes[0]).toMatch(/^model file \S+onnx\/weights\.bin is 100 bytes, but 4096 were recorded .* — regenerating it$/);
    expect(notes[1]).toMatch(/regenerated onnx\/weights\.bin$/);
    expect(statSync(join(dir, 'onnx', 'weights.bin')).size).toBe(4096);
    // Only the damaged file was replaced: a process reading the others is not disturbed.
    expect(statSync(join(dir, 'config.json')).ino).toBe(inode);
    expect(await verifyFiles(dir)).toEqual({ ok: true });
    expect(writes).toBe(2);
  });

  it('a folder made before records existed is regenerated once to record them', async () => {
    const dir = join(tempDir('build-once-old'), 'model');
    const write = async (staging: string) => writeFileSync(join(staging, 'w.bin'), 'abc');
    await buildOnce(dir, 's1', write, () => {});
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, INTEGRITY_FILE));
    const notes: string[] = [];
    expect(await buildOnce(dir, 's1', write, (m) => notes.push(m))).toBe(true);
    expect(notes).toEqual([expect.stringMatching(/has no record of its files' sizes and hashes .*regenerating to check and record them/)]);
    expect(await buildOnce(dir, 's1', write, (m) => notes.push(m))).toBe(false);
  });

  it('make-tiny and run repair a truncated file in the tiny-model cache, naming it, and the cells come out ok', async () => {
    const cache = tempDir('integrity-cache');
    const env = { VLMBENCH_CACHE: cache };
    expect((await runCli(['models', 'make-tiny'], { env })).code).toBe(0);
    const decoder = join(tinyDir('tiny-onnx', join(cache, 'models', 'tiny')), 'onnx', 'decoder_model_merged.onnx');
    const good = await sha256File(decoder);
    truncateSync(decoder, 1000);
    const make = await runCli(['models', 'make-tiny'], { env });
    expect(make.code, make.stderr).toBe(0);
    expect(make.stdout).toMatch(/decoder_model_merged\.onnx is 1000 bytes, but \d+ were recorded/);
    expect(await sha256File(decoder)).toBe(good);

    truncateSync(decoder, 1000);
    const work = tempDir('integrity-run');
    const fixtures = fixtureFolder(['ocr-clean-01']);
    const run = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--fixtures', fixtures, ...quick, '--results-dir', join(work, 'results')], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/model file \S+decoder_model_merged\.onnx is 1000 bytes, but \d+ were recorded .* — regenerating it/);
    expect(resultsOf(run.stdout).cells.map((cell) => cell.status)).toEqual(['ok']);
  }, 120_000);
});

// Downloaded folders are checked by the downloader itself, against the pin or the recorded hash,
// before every use (src/models/download.ts ensureRepoFiles; tests/download-hub.test.ts).

describe('a model that cannot load', () => {
  it('fails its cells (failed, with the reason), never unavailable', async () => {
    const cache = tempDir('integrity-cache-2');
    expect((await runCli(['models', 'make-tiny'], { env: { VLMBENCH_CACHE: cache } })).code).toBe(0);
    const copy = join(tempDir('broken-model'), 'tiny-onnx');
    cpSync(tinyDir('tiny-onnx', join(cache, 'models', 'tiny')), copy, { recursive: true });
    truncateSync(join(copy, 'onnx', 'decoder_model_merged.onnx'), 1000);
    const work = tempDir('broken-run');
    const fixtures = fixtureFolder(['ocr-clean-01', 'scene-01']);
    const run = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--model-path', `transformersjs:dir=${copy}`, '--fixtures', fixtures, ...quick, '--results-dir', join(work, 'results')]);
    expect(run.code, run.stdout + run.stderr).toBe(3);
    const cells = resultsOf(run.stdout).cells;
    expect(cells.map((cell) => cell.status)).toEqual(['failed', 'failed']);
    // Retried once in a fresh process, then failed with both reasons.
    expect(cells[0]?.reason).toMatch(/^load failed twice: .*could not load model "tiny-smolvlm".*; then, in a fresh process: /);
  }, 120_000);
});
