/**
 * embed.html: an HTML fragment (no <html>/<body>) with the verdict table, for pasting into
 * a dashboard or a docs page. Every CSS selector is scoped under EMBED_ROOT_CLASS, with no
 * bare element, `*` or `body` rule, so the fragment cannot restyle its host page.
 */
import { escapeHtml as e } from './escape.js';
import { TASK_LABELS, WEIGHTS_LABELS, type ReportModel } from './model.js';
import { UNVERIFIED_BANNER, unverifiedModelLabels } from '../results/real-weights.js';
import { runFacts } from './run-facts.js';

export const EMBED_ROOT_CLASS = 'vlmbench-embed';

const R = `.${EMBED_ROOT_CLASS}`;
/** Bumped when the fragment's markup changes in a way hosts could depend on. */
const EMBED_VERSION = 1;

const EMBED_STYLES = [
  `${R} { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d1f21; background: #fff; border: 1px solid #d7dadf; border-radius: 6px; padding: 12px 14px; max-width: 100%; overflow-x: auto; }`,
  `${R} .vb-title { font-size: 16px; font-weight: 700; margin: 0 0 4px; color: #1d1f21; }`,
  `${R} .vb-meta { font-size: 12px; color: #5f6368; margin: 0 0 8px; }`,
  `${R} .vb-measured { font-size: 12px; color: #1d1f21; margin: 0 0 4px; overflow-wrap: anywhere; }`,
  `${R} .vb-banner { border: 2px solid #D55E00; background: #fff3e0; color: #1d1f21; border-radius: 4px; padding: 6px 10px; margin: 8px 0; font-weight: 600; }`,
  `${R} .vb-table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 0; }`,
  `${R} .vb-table .vb-th, ${R} .vb-table .vb-td { border-bottom: 1px solid #d7dadf; padding: 4px 8px; text-align: left; vertical-align: top; color: #1d1f21; }`,
  `${R} .vb-table .vb-th { background: #f5f6f8; font-weight: 600; }`,
  `${R} .vb-win { color: #00543d; font-weight: 600; }`,
  `${R} .vb-none { color: #5f6368; }`,
  `${R} .vb-link { margin: 8px 0 0; font-size: 13px; }`,
  `${R} .vb-link .vb-a { color: #0072B2; font-weight: 600; }`,
].join('\n');

/**
 * reportHref: where the full report lives. Relative by default (the fragment beside its
 * report.html); `report --report-url https://…` makes it absolute, so it still works once the
 * fragment is pasted into another page.
 */
export function renderEmbed(model: ReportModel, reportHref = 'report.html'): string {
  const multiRun = model.runs.length > 1;
  const banners: string[] = [];
  if (model.synthetic.tiny.length) banners.push(`Synthetic tiny random weights (${model.synthetic.tiny.join(', ')}): timings prove the plumbing only; quality figures mean nothing; no verdict is judged on them.`);
  if (model.synthetic.shape.length) banners.push(`Shape-faithful random weights (${model.synthetic.shape.join(', ')}): speed and memory are real-scale; quality is meaningless.`);
  if (unverifiedModelLabels(model.runs.flatMap((run) => run.results.models)).length) banners.push(UNVERIFIED_BANNER);
  const rows = model.verdicts
    .map(
      (v) =>
        `<tr class="vb-tr"><td class="vb-td">${e(TASK_LABELS[v.task])}${multiRun ? `<br><small>${e(v.deviceLabel)}</small>` : ''}</td><td class="vb-td">${e(v.aspect)}</td>` +
        `<td class="vb-td ${v.winner ? 'vb-win' : 'vb-none'}">${e(v.short)}</td><td class="vb-td">${e(WEIGHTS_LABELS[v.weights])}</td><td class="vb-td">${e(v.sentence)}</td></tr>`,
    )
    .join('');
  return [
    `<div class="${EMBED_ROOT_CLASS}" data-vlmbench-embed="${EMBED_VERSION}">`,
    `<style>\n${EMBED_STYLES}\n</style>`,
    `<p class="vb-title">${e(model.title)}</p>`,
    ...model.runs.map((run) => `<p class="vb-measured"><strong>Measured${multiRun ? ` (run ${e(run.runId)})` : ''}:</strong> ${e(runFacts(run.results).line)}</p>`),
    `<p class="vb-meta">Run${model.runs.length > 1 ? 's' : ''} ${e(model.runs.map((r) => r.runId).join(', '))} · ${e(model.engines.join(' vs '))} · generated ${e(model.generatedAt)}</p>`,
    ...banners.map((b) => `<p class="vb-banner">${e(b)}</p>`),
    `<table class="vb-table"><thead><tr class="vb-tr"><th class="vb-th" scope="col">Task</th><th class="vb-th" scope="col">Aspect</th><th class="vb-th" scope="col">Result</th><th class="vb-th" scope="col">Weights</th><th class="vb-th" scope="col">Verdict</th></tr></thead><tbody>${rows}</tbody></table>`,
    `<p class="vb-link"><a class="vb-a" href="${e(reportHref)}">Full report with evidence, charts and raw data</a></p>`,
    '</div>',
    '',
  ].join('\n');
}

