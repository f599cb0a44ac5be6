/** `vlmbench report --report-url`: embed.html links to the published report, and a URL it cannot use is one line, exit 2. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from './helpers/cli.js';

const EXAMPLE = join(REPO, 'results', 'examples', 'tiny-two-engines', 'results.json');

describe('vlmbench report --report-url', () => {
  it('puts the absolute URL in embed.html', async () => {
    const out = tempDir('report-url');
    const run = await runCli(['report', EXAMPLE, '--out', out, '--report-url', 'https://bench.example.org/runs/7/report.html']);
    expect(run.code, run.stderr).toBe(0);
    const embed = readFileSync(join(out, 'embed.html'), 'utf8');
    expect(embed).toContain('<a class="vb-a" href="https://bench.example.org/runs/7/report.html">');
    expect(embed).toMatch(/<p class="vb-measured"><strong>Measured:<\/strong> AMD EPYC, .* · tiny synthetic weights \(tiny-smolvlm\), real weights \(tesseract-eng\)<\/p>/);
  });

  it('refuses a relative or non-web URL with one line and exit 2', async () => {
    for (const url of ['report.html', 'javascript:alert(1)']) {
      const run = await runCli(['report', EXAMPLE, '--out', tempDir('report-url-bad'), '--report-url', url]);
      expect(run.code).toBe(2);
      const lines = run.stderr.split('\n').filter((line) => line.trim() && !line.startsWith('npm warn'));
      expect(lines).toEqual([expect.stringMatching(/^vlmbench: --report-url must be an (absolute URL|http or https URL)/)]);
    }
  });
});
