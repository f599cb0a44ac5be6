/** The results document: what the schema accepts and rejects, atomic writes, clear read errors. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/engines/engine.js';
import { readResults, writeResults } from '../src/results/io.js';
import { CellSchema, ResultsSchema, SampleSchema, cellKeyId } from '../src/results/schema.js';
import { makeResults } from './helpers/report-results.js';
import { tempDir } from './helpers/cli.js';

const sample = { latencyMs: 10, ttftMs: 2, decodeTokensPerSec: 50, promptTokens: 20, imageTokens: 16, frames: 1, generatedTokens: 5, peakRssBytes: 1e8, workerPeakRssBytes: null };

describe('results schema', () => {
  it("accepts a crafted two-engine document and keys cells by all six fields", () => {
    const results = ResultsSchema.parse(makeResults());
    const ids = results.cells.map((cell) => cellKeyId(cell.key));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]?.split('|')).toHaveLength(6);
  });

  it('rejects negative latency, a bad target, an unknown status and a missing key field', () => {
    expect(SampleSchema.safeParse({ ...sample, latencyMs: -1 }).success).toBe(false);
    expect(SampleSchema.safeParse({ ...sample, generatedTokens: 1.5 }).success).toBe(false);
    const cell = { key: { engine: 'a', model: 'm', quant: 'q', target: 'cpu', task: 'ocr', fixture: 'f' }, status: 'ok', startedAt: 'x', finishedAt: 'y', warmup: [], samples: [sample] };
    expect(CellSchema.safeParse(cell).success).toBe(true);
    expect(CellSchema.safeParse({ ...cell, key: { ...cell.key, target: 'tpu' } }).success).toBe(false);
    expect(CellSchema.safeParse({ ...cell, status: 'maybe' }).success).toBe(false);
    const { fixture: _fixture, ...keyWithoutFixture } = cell.key;
    expect(CellSchema.safeParse({ ...cell, key: keyWithoutFixture }).success).toBe(false);
  });
});

describe('results io', () => {
  it('writes atomically (no temp file left) and reads back the same document', async () => {
    const dir = tempDir('io');
    const results = ResultsSchema.parse(makeResults());
    const path = join(dir, 'run', 'results.json');
    writeResults(path, results);
    expect(readdirSync(join(dir, 'run'))).toEqual(['results.json']);
    expect(readResults(path)).toEqual(results);
  });

  it('refuses to write an invalid document, leaving nothing on disk', async () => {
    const dir = tempDir('io-invalid');
    const results = makeResults();
    const broken = { ...results, cells: [{ ...results.cells[0], status: 'bogus' }] };
    expect(() => writeResults(join(dir, 'results.json'), broken as never)).toThrow();
    expect(existsSync(join(dir, 'results.json'))).toBe(false);
  });

  it('reading a missing, non-JSON or schema-invalid file gives one line naming the file and the field', () => {
    const dir = tempDir('io-read');
    mkdirSync(dir, { recursive: true });
    expect(() => readResults(join(dir, 'nope.json'))).toThrow(/nope\.json cannot be read/);
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(() => readResults(join(dir, 'bad.json'))).toThrow(/bad\.json is not JSON/);
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ schemaVersion: 1, cells: [] }));
    try {
      readResults(join(dir, 'wrong.json'));
      throw new Error('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(/wrong\.json is not a valid vlmbench results file: \w+/);
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
    expect(readFileSync(join(dir, 'wrong.json'), 'utf8')).toContain('schemaVersion');
  });
});
