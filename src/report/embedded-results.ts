/**
 * The one copy of the results that report.html carries, and the download built from it.
 *
 * The copy is the results document without the warm-up runs' token arrival times (they never
 * enter a figure), as compact JSON, gzip-compressed and base64-encoded in an inert data block:
 *
 *   <script type="application/octet-stream" id="vlmbench-results-0" class="vlmbench-results"
 *           data-encoding="gzip+base64" data-file="results-<run-id>.json">H4sIA…</script>
 *
 * A browser never runs a data block, and base64 holds no `<`, so no output text can end the tag
 * or inject markup. The quick start's results are 1.2 MB as compact JSON but about 0.3 MB so,
 * which is what keeps the report under 1.5 MB with every counted sample's raw data inside.
 *
 * The download button is the only script in the report. The page's Content-Security-Policy
 * allows exactly that script by its sha256 (`script-src 'sha256-…'`): no other inline script,
 * no event attribute, no script file, and no network (`default-src 'none'`). At click time it
 * decodes the block with the browser's DecompressionStream and saves the JSON through a blob:
 * URL; nothing is kept in memory before the click. readEmbeddedResults does the same in Node.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Results } from '../results/schema.js';
import { escapeHtml } from './escape.js';

export const EMBEDDED_RESULTS_CLASS = 'vlmbench-results';

/** The results as the report embeds them: the warm-up runs without their token arrival times. */
export function reportCopy(results: Results): Results {
  return {
    ...results,
    cells: results.cells.map((cell) => ({ ...cell, warmup: cell.warmup.map(({ tokenTimesMs: _warmupTokenTimes, ...sample }) => sample) })),
  };
}

export function downloadFileName(runId: string): string {
  return `results-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

/** The data block and its download button for one run. */
export function embeddedResultsHtml(results: Results, index: number): { block: string; button: string; jsonBytes: number } {
  const json = JSON.stringify(reportCopy(results));
  const encoded = gzipSync(json, { level: 9 }).toString('base64');
  const id = `vlmbench-results-${index}`;
  const file = downloadFileName(results.run.id);
  return {
    block: `<script type="application/octet-stream" id="${id}" class="${EMBEDDED_RESULTS_CLASS}" data-encoding="gzip+base64" data-file="${escapeHtml(file)}">${encoded}</script>`,
    button: `<button type="button" class="download" data-results="${id}">Download ${escapeHtml(file)}</button>`,
    jsonBytes: Buffer.byteLength(json),
  };
}

/**
 * The click handler. Kept as plain ES2018 so every browser that has DecompressionStream runs it;
 * its exact text is hashed into the CSP, so any change here changes the hash with it.
 */
export const DOWNLOAD_SCRIPT = `
document.querySelectorAll('button[data-results]').forEach(function (button) {
  button.addEventListener('click', function () {
    var block = document.getElementById(button.getAttribute('data-results'));
    if (!block || typeof DecompressionStream === 'undefined') { button.textContent = 'This browser cannot decompress the embedded data; use results.json from the run folder.'; return; }
    var binary = atob(block.textContent.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function (json) {
      var url = URL.createObjectURL(new Blob([JSON.stringify(JSON.parse(json), null, 2) + '\\n'], { type: 'application/json' }));
      var link = document.createElement('a');
      link.href = url;
      link.download = block.getAttribute('data-file') || 'results.json';
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    });
  });
});
`;

/** The CSP source that allows DOWNLOAD_SCRIPT and nothing else. */
export function downloadScriptHash(): string {
  return `'sha256-${createHash('sha256').update(DOWNLOAD_SCRIPT).digest('base64')}'`;
}

/** Every run's results embedded in a report.html, decoded (Node). */
export function readEmbeddedResults(html: string): unknown[] {
  const pattern = new RegExp(`<script type="application/octet-stream" id="vlmbench-results-\\d+" class="${EMBEDDED_RESULTS_CLASS}" data-encoding="gzip\\+base64"[^>]*>([A-Za-z0-9+/=]*)</script>`, 'g');
  return [...html.matchAll(pattern)].map((match) => JSON.parse(gunzipSync(Buffer.from(match[1] as string, 'base64')).toString('utf8')));
}
