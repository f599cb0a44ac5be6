/**
 * The fault suite, part 3: hostile input. Manifests that point outside their folder, images that
 * are empty, cut, mislabelled or enormous, and results files with traversal ids, huge strings or
 * the wrong shape. Each gets one clear line and the documented exit code, costs only its own
 * cells, and never writes outside the folder it belongs to.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.js';
import { readEmbeddedResults } from '../src/report/embedded-results.js';
import { OUTPUT_TEXT_CAP_BYTES } from '../src/results/text-cap.js';
import { ResultsSchema } from '../src/results/schema.js';
import { REPO, fixtureFolder, runCli, tempDir } from './helpers/cli.js';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const quick = ['--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--runs', '1', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '4', '--no-report'];

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim());
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0] as string;
}

/** A real PNG whose header claims width × height (CRC fixed up), so decoders refuse it from the header alone. */
function pngClaiming(width: number, height: number): Buffer {
  const png = Buffer.from(readFileSync(join(REPO, 'fixtures', 'builtin', 'scenes', 'scene-01.png')));
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

describe('hostile manifests', () => {
  for (const image of ['../../etc/hostname', '/etc/hostname', 'ocr/../../outside.png']) {
    it(`an image path "${image}" is refused: run and fixtures verify exit 2 with one line`, async () => {
      const dir = fixtureFolder(['ocr-clean-01']);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { items: Array<Record<string, unknown>> };
      manifest.items.push({ ...manifest.items[0], id: 'escape', image, sha256: 'a'.repeat(64) });
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      const work = tempDir('hostile-manifest');
      const run = await runCli(['run', ...quick, '--fixtures', dir, '--results-dir', join(work, 'results')]);
      expect(run.code).toBe(EXIT.usage);
      expect(oneLine(run.stderr)).toMatch(/fixture "escape": image ".*" is outside the fixture folder .* images must be inside the folder that holds manifest\.json/);
      const verify = await runCli(['fixtures', 'verify', dir]);
      expect(verify.code).toBe(EXIT.usage);
      expect(oneLine(verify.stderr)).toMatch(/is outside the fixture folder/);
    });
  }
});

describe('hostile images', () => {
  const empty = Buffer.alloc(0);
  const good = readFileSync(join(REPO, 'fixtures', 'builtin', 'scenes', 'scene-01.png'));
  const cut = good.subarray(0, Math.floor(good.length / 3));
  const mislabelled = Buffer.from('GIF89a this is not an image at all');
  const enormous = pngClaiming(30_000, 30_000);
  const extra = [
    { id: 'zero-byte', task: 'ocr' as const, image: 'zero.png', bytes: empty, sha256: sha(empty) },
    { id: 'truncated', task: 'caption' as const, image: 'cut.png', bytes: cut, sha256: sha(cut) },
    { id: 'mislabelled', task: 'ocr' as const, image: 'text.png', bytes: mislabelled, sha256: sha(mislabelled) },
    { id: 'enormous', task: 'caption' as const, image: 'huge.png', bytes: enormous, sha256: sha(enormous) },
  ];

  it('each fails only its own cell with one reason; the good fixture is measured; exit 4', async () => {
    const dir = fixtureFolder(['ocr-clean-01'], extra);
    const work = tempDir('hostile-images');
    const run = await runCli(['run', ...quick, '--fixtures', dir, '--results-dir', join(work, 'results')]);
    expect(run.code, run.stdout + run.stderr).toBe(EXIT.someCellsFailed);
    const path = /results: (\S+)/.exec(run.stdout)?.[1] as string;
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
    const byId = Object.fromEntries(results.cells.map((cell) => [cell.key.fixture, cell]));
    expect(byId['ocr-clean-01']?.status).toBe('ok');
    for (const { id, image } of extra) {
      expect(byId[id]?.status, id).toBe('failed');
      expect(byId[id]?.reason, id).toMatch(new RegExp(`^fixture image: image \\S*${image.replace('.', '\\.')} cannot be decoded \\(.+\\)`));
      expect(byId[id]?.reason).not.toMatch(/\n/);
    }
  }, 120_000);

  it('fixtures verify decodes every image and names the ones that do not decode, exit 2', async () => {
    const dir = fixtureFolder(['ocr-clean-01'], extra);
    const verify = await runCli(['fixtures', 'verify', dir]);
    expect(verify.code).toBe(EXIT.usage);
    expect(oneLine(verify.stderr)).toMatch(/4 of 5 fixture images in .* do not decode: fixture "zero-byte": .*fixture "enormous": image \S+huge\.png cannot be decoded/);
    const clean = await runCli(['fixtures', 'verify', fixtureFolder(['ocr-clean-01'])]);
    expect(clean.code, clean.stderr).toBe(EXIT.ok);
    expect(clean.stdout).toMatch(/every image decodes/);
  });
});

describe('hostile results files', () => {
  const example = JSON.parse(readFileSync(join(REPO, 'results', 'examples', 'tiny-two-engines', 'results.json'), 'utf8')) as { run: { id: string }; cells: Array<{ key: { fixture: string }; status: string; output?: { text: string } }> };
  function hostileFile(work: string, name: string, change: (results: typeof example) => void): string {
    const copy = structuredClone(example);
    change(copy);
    const path = join(work, name);
    writeFileSync(path, JSON.stringify(copy));
    return path;
  }

  it('a traversal run id is refused by report (no --out), compare and export, and nothing is written outside', async () => {
    const work = tempDir('hostile-results');
    const escapeTo = join(work, 'escaped');
    const file = hostileFile(work, 'traversal.json', (r) => (r.run.id = `../../../../../../..${escapeTo}`));
    const cwd = join(work, 'cwd');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cwd);
    for (const args of [['report', file], ['compare', file, file], ['export', file]]) {
      const result = await runCli(args, { cwd });
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(EXIT.usage);
      expect(oneLine(result.stderr)).toMatch(/traversal\.json is not a valid vlmbench results file: run\.id: a run id is .*no path separators/);
    }
    expect(existsSync(escapeTo)).toBe(false);
    expect(existsSync(join(cwd, 'reports'))).toBe(false);
    const resume = await runCli(['run', '--resume', '../../x', '--results-dir', join(work, 'results')]);
    expect(resume.code).toBe(EXIT.usage);
    expect(oneLine(resume.stderr)).toMatch(/run id "\.\.\/\.\.\/x" is not valid/);
  }, 60_000);

  it('a 50 MB string is refused at once with one line, by report, compare and export', async () => {
    const work = tempDir('hostile-huge');
    const file = hostileFile(work, 'huge.json', (r) => {
      const cell = r.cells.find((c) => c.output) as { output: { text: string } };
      cell.output.text = 'x'.repeat(50_000_000);
    });
    for (const args of [['report', file, '--out', join(work, 'report')], ['compare', file, file], ['export', file]]) {
      const result = await runCli(args, { timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(EXIT.usage);
      expect(oneLine(result.stderr)).toMatch(/huge\.json is not a valid vlmbench results file: cells\.\d+\.output\.text is 50000000 characters/);
    }
    expect(existsSync(join(work, 'report'))).toBe(false);
  }, 120_000);

  it('the wrong shape is refused with one line naming the field, by every reader', async () => {
    const work = tempDir('hostile-schema');
    const files = [
      hostileFile(work, 'cells-string.json', (r) => ((r as unknown as { cells: string }).cells = 'nope')),
      hostileFile(work, 'status.json', (r) => (r.cells[0]!.status = 'pwned')),
    ];
    writeFileSync(join(work, 'array.json'), '[1,2,3]');
    writeFileSync(join(work, 'not-json.json'), '{"schemaVersion": 1,');
    files.push(join(work, 'array.json'), join(work, 'not-json.json'));
    for (const file of files) {
      for (const args of [['report', file, '--out', join(work, 'report')], ['compare', file, file], ['export', file, '--format', 'bmf']]) {
        const result = await runCli(args);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(EXIT.usage);
        expect(oneLine(result.stderr)).toMatch(/is not (a valid vlmbench results file|JSON)/);
      }
    }
  }, 120_000);

  it('a long output is shown as a bounded excerpt; the stored text stays in the report\'s raw data', async () => {
    const work = tempDir('hostile-long');
    const long = `${'word '.repeat(OUTPUT_TEXT_CAP_BYTES / 5 - 1)}end.`;
    const file = hostileFile(work, 'long.json', (r) => {
      for (const cell of r.cells) if (cell.output) cell.output.text = long;
    });
    const out = join(work, 'report');
    const result = await runCli(['report', file, '--out', out]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/… \\\[\d+ more characters in results\.json\\\]/);
    expect(md).not.toContain(long);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/more characters in results\.json/);
    expect(html).not.toContain(long);
    // The raw data is embedded once, compressed (src/report/embedded-results.ts): the full text is in it.
    const embedded = readEmbeddedResults(html)[0] as { cells: Array<{ output?: { text: string } }> };
    expect(embedded.cells.some((cell) => cell.output?.text === long)).toBe(true);
  }, 60_000);

  it('CSV export neutralises a fixture id or reason that a spreadsheet would run as a formula', async () => {
    const work = tempDir('hostile-csv');
    const file = hostileFile(work, 'formula.json', (r) => (r.cells[0]!.key.fixture = '=HYPERLINK("http://evil.invalid","click")'));
    const result = await runCli(['export', file]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toContain(`"'=HYPERLINK(""http://evil.invalid"",""click"")"`);
    expect(result.stdout).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});
