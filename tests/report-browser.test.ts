/**
 * The report in a real browser (Debian chromium driven by playwright-core): it must open
 * offline without errors or requests, keep hostile text inert, show every fixture, and the
 * embed fragment must not restyle its host page. Skips only when /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFlags, ensureEmptyModelManifest } from '../src/browser/launch.js';
import { writeReport } from '../src/report/write.js';
import { SummaryJsonSchema } from '../src/report/summary.js';
import { readEmbeddedResults } from '../src/report/embedded-results.js';
import { fixtureIds, makeResults, writeFixtureImages } from './helpers/report-results.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts');
const hasChromium = existsSync(CHROMIUM);

interface PageWatch {
  consoleErrors: string[];
  pageErrors: string[];
  foreignRequests: string[];
}

function watch(page: Page): PageWatch {
  const watched: PageWatch = { consoleErrors: [], pageErrors: [], foreignRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watched.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watched.pageErrors.push(error.message));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('file://') && !url.startsWith('data:')) watched.foreignRequests.push(url);
  });
  return watched;
}

if (!hasChromium) {
  describe('report in a real browser', () => {
    it.skip(`SKIPPED: ${CHROMIUM} is absent (install it with: apt-get install -y chromium)`, () => {});
  });
} else {
  describe('report in a real browser', () => {
    let browser: Browser | undefined;
    let dir: string;
    let outDir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'vlmbench-browser-'));
      const fixturesDir = join(dir, 'fixtures');
      await writeFixtureImages(fixturesDir, fixtureIds());
      outDir = join(dir, 'report');
      await writeReport([makeResults({ fixturesDir, hostile: true })], outDir, { title: 'vlmbench browser test' });
      ensureEmptyModelManifest();
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // The harness's own quiet flags: a test browser must not reach the network either.
        args: chromiumFlags(false),
      });
    }, 120_000);

    afterAll(async () => {
      try {
        await browser?.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);

    it('opens offline with no console errors, no requests, inert hostile text and every fixture', async () => {
      const page = await (await browser!.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } })).newPage();
      const watched = watch(page);
      await page.goto(pathToFileURL(join(outDir, 'report.html')).href, { waitUntil: 'load' });

      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();

      const verdicts = await page.locator('#verdicts').innerText();
      expect(verdicts).toContain('transformersjs');
      expect(verdicts).toContain('qvac');
      expect(verdicts).toMatch(/faster than/);
      expect(await page.locator('#verdicts li.verdict').count()).toBe(10);

      const galleryIds = await page.locator('#gallery article.fixture').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-fixture-id')));
      expect(galleryIds.sort()).toEqual(fixtureIds({ hostile: true }).sort());
      // The hostile output is visible as text in the gallery.
      const hostile = page.locator('#gallery article.fixture[data-fixture-id="ocr-hostile-<script>"]');
      expect(await hostile.innerText()).toContain('<script>window.__pwned = 1</script>');
      expect(await page.locator('#gallery img').count()).toBe(12);
      expect(await page.locator('#gallery .missing-image').count()).toBe(1);
      expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(8);

      // The download is built from the one embedded copy at click time, under the page's CSP.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button.download').click()]);
      expect(download.suggestedFilename()).toBe('results-run-2026-11-23-a.json');
      const downloaded = JSON.parse(await readFile((await download.path()) as string, 'utf8'));
      expect(downloaded.run.id).toBe('run-2026-11-23-a');
      expect(downloaded).toEqual(readEmbeddedResults(await readFile(join(outDir, 'report.html'), 'utf8'))[0]);

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: false });
      await page.screenshot({ path: join(ARTIFACTS, 'report-full.png'), fullPage: true });
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      await writeFile(join(ARTIFACTS, 'report.pdf'), pdf);

      expect(watched.pageErrors).toEqual([]);
      expect(watched.consoleErrors).toEqual([]);
      expect(watched.foreignRequests).toEqual([]);
      await page.close();
    }, 60_000);

    // A phone (390 px) and a laptop (1366 px): the page itself never scrolls sideways; wide tables scroll in their own box.
    for (const [name, file] of [
      ['the crafted report', () => join(outDir, 'report.html')],
      ['the committed example', () => resolve('reports', 'examples', 'tiny-two-engines', 'report.html')],
    ] as const) {
      it(`${name} has no page-level horizontal scroll at 390 and 1366 px`, async () => {
        await mkdir(ARTIFACTS, { recursive: true });
        for (const width of [390, 1366]) {
          const page = await browser!.newPage({ viewport: { width, height: 844 } });
          const watched = watch(page);
          await page.goto(pathToFileURL(file()).href, { waitUntil: 'load' });
          const { scrollWidth, clientWidth, wideTables } = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            wideTables: Array.from(document.querySelectorAll('.table-wrap')).filter((box) => box.scrollWidth > box.clientWidth).length,
          }));
          expect(clientWidth).toBe(width);
          expect(scrollWidth, `${name} at ${width} px`).toBeLessThanOrEqual(width);
          if (width === 390) expect(wideTables).toBeGreaterThan(0); // they are there, and scroll inside their box
          await page.screenshot({ path: join(ARTIFACTS, `report-${name.includes('example') ? 'example' : 'crafted'}-${width}.png`), fullPage: false });
          expect(watched.pageErrors).toEqual([]);
          expect(watched.consoleErrors).toEqual([]);
          await page.close();
        }
      }, 60_000);
    }

    it('writes a summary.json that validates against its schema', async () => {
      const summary = SummaryJsonSchema.parse(JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')));
      expect(summary.verdicts.length).toBe(10);
    });

    it('the embed fragment does not restyle its host page', async () => {
      const fragment = await readFile(join(outDir, 'embed.html'), 'utf8');
      const hostPath = join(dir, 'host.html');
      await writeFile(
        hostPath,
        '<!doctype html><html><head><style>p { color: rgb(255, 0, 0); font-size: 19px; } table { border-collapse: separate; border-spacing: 7px; } td { padding: 11px; color: rgb(0, 0, 255); } a { color: rgb(0, 128, 0); }</style></head>' +
          '<body><p id="host-p">host paragraph</p><table id="host-table"><tr><td id="host-td">host cell</td></tr></table><a id="host-a" href="#x">host link</a><div id="slot"></div></body></html>',
      );
      const page = await browser!.newPage();
      const watched = watch(page);
      await page.goto(pathToFileURL(hostPath).href);
      const snapshot = () =>
        page.evaluate(() => {
          const pick = (id: string, props: string[]) => {
            const style = getComputedStyle(document.getElementById(id)!);
            return Object.fromEntries(props.map((p) => [p, style.getPropertyValue(p)]));
          };
          return {
            p: pick('host-p', ['color', 'font-size', 'font-family', 'margin-top', 'background-color']),
            table: pick('host-table', ['border-collapse', 'border-spacing', 'width', 'font-size', 'margin-top']),
            td: pick('host-td', ['padding-top', 'color', 'border-bottom-width', 'text-align', 'font-size']),
            a: pick('host-a', ['color', 'font-weight']),
            body: pick('slot', ['font-family', 'color']),
          };
        });
      const before = await snapshot();
      expect(before.p.color).toBe('rgb(255, 0, 0)');
      await page.evaluate((html) => {
        document.getElementById('slot')!.innerHTML = html;
      }, fragment);
      expect(await page.locator('.vlmbench-embed table tbody tr').count()).toBe(10);
      expect(await page.locator('.vlmbench-embed a').getAttribute('href')).toBe('report.html');
      const after = await snapshot();
      expect(after).toEqual(before);
      expect(watched.consoleErrors).toEqual([]);
      expect(watched.foreignRequests).toEqual([]);
      await page.close();
    }, 60_000);
  });
}
