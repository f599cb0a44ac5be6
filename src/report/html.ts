/**
 * The self-contained HTML report: inline CSS and SVG, images as data: URIs, one copy of the
 * raw results embedded (embedded-results.ts). It makes no network request; its one script,
 * allowed by hash in the CSP, builds the results download at click time.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import sharp from 'sharp';
import { escapeHtml } from './escape.js';
import { DOWNLOAD_SCRIPT, downloadScriptHash, embeddedResultsHtml } from './embedded-results.js';
import { runFacts } from './run-facts.js';
import { renderDiffHtml, wordDiff } from './diff.js';
import { textExcerpt } from '../results/text-cap.js';
import {
  TASK_LABELS,
  WEIGHTS_LABELS,
  formatBytes,
  formatMs,
  formatNumber,
  metricHeading,
  metricLabel,
  qualityNotShown,
  showsQuality,
  type GalleryItem,
  type ReportModel,
  type TaskView,
  type Verdict,
  type VariantTaskFigures,
} from './model.js';
import { seenWords } from './model/image-seen.js';
import { latencyBoxChart } from './charts/latency-box.js';
import { qualityLatencyChart } from './charts/quality-latency.js';
import { decodeRateChart, ttftChart } from './charts/speed-bars.js';
import { memoryChart } from './charts/memory-bars.js';
import { cellAnchorId, renderClaimsHtml } from '../claims/render.js';
import { renderFootprintHtml } from '../footprint/render.js';
import { networkHtml, networkView } from './network.js';
import { phaseBars, phasesChart } from './charts/phases.js';
import { COMPUTE_BOUND_SHARE, decodeRoofline, rooflineNotMeasured } from './roofline.js';
import { crossDeviceChart } from './charts/cross-device.js';
import { colorFor, markerFor, marker } from './charts/svg.js';
import { UNVERIFIED_BANNER, unverifiedModelLabels } from '../results/real-weights.js';

// ---------------------------------------------------------------------------------------
// Thumbnails

export type Thumbnail = { dataUri: string; width: number; height: number } | { missing: string };

export const THUMBNAIL_MAX_WIDTH = 160;

export function galleryKey(item: Pick<GalleryItem, 'task' | 'fixture'>): string {
  return `${item.task}|${item.fixture.id}`;
}

async function thumbnailFor(item: GalleryItem): Promise<Thumbnail> {
  const tried: string[] = [];
  for (const dir of item.imageDirs) {
    const path = isAbsolute(item.fixture.image) ? item.fixture.image : resolve(dir, item.fixture.image);
    if (tried.includes(path)) continue;
    tried.push(path);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      continue;
    }
    try {
      const meta = await sharp(bytes).metadata();
      const resized = () => sharp(bytes).resize({ width: THUMBNAIL_MAX_WIDTH, withoutEnlargement: true });
      const jpeg = await resized().flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true });
      // A photo stays JPEG; anything else is PNG (lossless) unless JPEG is smaller: a full page's
      // thumbnail is about 22 KB as PNG and 7 KB as JPEG, which keeps the report within its size.
      const png = meta.format === 'jpeg' ? null : await resized().png({ compressionLevel: 9 }).toBuffer({ resolveWithObject: true });
      const chosen = png && png.data.length <= jpeg.data.length ? { ...png, type: 'png' } : { ...jpeg, type: 'jpeg' };
      return { dataUri: `data:image/${chosen.type};base64,${chosen.data.toString('base64')}`, width: chosen.info.width, height: chosen.info.height };
    } catch (error) {
      return { missing: `could not decode ${path}: ${(error as Error).message}` };
    }
  }
  return { missing: tried.length ? `not found at ${tried.join(' or ')}` : 'no fixtures directory known' };
}

/** Reads and downscales every gallery image (≤ 160 px wide). Unreadable images become a "missing" note. */
export async function loadThumbnails(model: ReportModel): Promise<Map<string, Thumbnail>> {
  const entries = await Promise.all(model.gallery.map(async (item) => [galleryKey(item), await thumbnailFor(item)] as const));
  return new Map(entries);
}

// ---------------------------------------------------------------------------------------
// Pieces

/** What was measured, one line per run, at the very top (src/report/run-facts.ts). */
function measuredLines(model: ReportModel): string {
  return model.runs
    .map((run) => `<p class="measured"><span class="evidence-label">Measured${model.runs.length > 1 ? ` (run ${e(run.runId)})` : ''}:</span> ${e(runFacts(run.results).line)}</p>`)
    .join('');
}

const e = escapeHtml;

function legendMarker(index: number): string {
  return `<svg class="legend-marker" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">${marker(markerFor(index), 7, 7, 11, colorFor(index))}</svg>`;
}

function variantName(f: { variant: { fullLabel: string; index: number } }): string {
  return `${legendMarker(f.variant.index)}${e(f.variant.fullLabel)}`;
}

function table(headers: string[], rows: string[][], className = ''): string {
  return (
    `<div class="table-wrap"><table${className ? ` class="${className}"` : ''}><thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`
  );
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${e(title)}</h2>${body}</section>`;
}

const ASPECT_LABELS: Record<Verdict['aspect'], string> = { speed: 'Speed', ttft: 'Time to first token', decode: 'Decode rate', memory: 'Memory', quality: 'Quality' };

function banners(model: ReportModel): string {
  const parts: string[] = [];
  if (model.synthetic.tiny.length) {
    parts.push(
      `<div class="banner banner-synthetic" role="alert"><strong>Synthetic tiny random weights: timings prove the plumbing only; quality figures mean nothing.</strong> Models: ${e(model.synthetic.tiny.join(', '))}.</div>`,
    );
  }
  if (model.synthetic.shape.length) {
    parts.push(
      `<div class="banner banner-synthetic" role="alert"><strong>Shape-faithful random weights: speed and memory are real-scale; quality is meaningless.</strong> Quality columns are left out for: ${e(model.synthetic.shape.join(', '))}.</div>`,
    );
  }
  const unverified = unverifiedModelLabels(model.runs.flatMap((run) => run.results.models));
  if (unverified.length) parts.push(`<div class="banner banner-synthetic" role="alert"><strong>${e(UNVERIFIED_BANNER)}</strong> Models: ${e(unverified.join(', '))}.</div>`);
  if (model.incompleteRuns.length) {
    parts.push(`<div class="banner banner-warn" role="alert"><strong>Partial run${model.incompleteRuns.length > 1 ? 's' : ''}:</strong> ${e(model.incompleteRuns.join(', '))} did not finish every planned cell.</div>`);
  }
  if (model.engines.length === 1) {
    parts.push(`<div class="banner banner-info">Only one engine (${e(model.engines[0])}) is in these results: there is nothing to compare it against.</div>`);
  }
  return parts.join('');
}

function verdictBadge(v: Verdict): string {
  const weights = v.weights === 'real' ? '' : `<span class="badge badge-synthetic">${e(WEIGHTS_LABELS[v.weights])}</span>`;
  if (v.winner === null) return `<span class="badge badge-none">no winner</span>${weights}`;
  return `<span class="badge badge-win">${e(v.winnerVariant ?? v.winner)}</span>${weights}`;
}

/** Settings that differ between the contenders, right under the verdict they affect. */
function verdictCaveats(v: Verdict): string {
  if (v.caveats.length === 0) return '';
  return `<p class="caveats"><span class="evidence-label">Differs between them:</span> ${v.caveats.map((c) => e(c)).join('; ')}</p>`;
}

function verdictsSection(model: ReportModel): string {
  const multiRun = model.runs.length > 1;
  const blocks = model.tasks.map((view) => {
    if (view.verdicts.length > 0 && view.verdicts.every((v) => v.outcome === 'single-engine')) {
      const v = view.verdicts[0]!;
      return (
        `<div class="verdict-task"><h3>${e(TASK_LABELS[view.task])}${multiRun ? ` <span class="device">on ${e(view.deviceLabel)}</span>` : ''}</h3>` +
        `<p class="verdict-sentence single-engine">${e(v.sentence.replace(/there is nothing to compare \w+ against\./, 'there is nothing to compare speed, quality or memory against.'))}</p><p class="evidence">${e(v.evidence)}</p></div>`
      );
    }
    const items = view.verdicts
      .map(
        (v) =>
          `<li class="verdict verdict-${v.aspect}" data-aspect="${v.aspect}"><div class="verdict-head"><span class="aspect">${ASPECT_LABELS[v.aspect]}</span>${verdictBadge(v)}</div>` +
          `<p class="verdict-sentence">${e(v.sentence)}</p>${verdictCaveats(v)}<p class="evidence"><span class="evidence-label">Evidence:</span> ${e(v.evidence)}</p></li>`,
      )
      .join('');
    return `<div class="verdict-task"><h3>${e(TASK_LABELS[view.task])}${multiRun ? ` <span class="device">on ${e(view.deviceLabel)}</span>` : ''}</h3><ul class="verdicts">${items}</ul></div>`;
  });
  const glance = table(
    ['Task', ...(multiRun ? ['Device'] : []), 'Speed', 'First token', 'Decode', 'Memory', 'Quality'],
    model.tasks.flatMap((view) => {
      const pairs = [...new Set(view.verdicts.map((v) => v.contenders.join(' vs ')))];
      return pairs.map((pair) => {
        const of = (aspect: Verdict['aspect']) => view.verdicts.find((v) => v.aspect === aspect && v.contenders.join(' vs ') === pair);
        const cell = (v: Verdict | undefined) => (v ? `<span class="glance glance-${v.outcome}">${e(v.short)}</span>` : '–');
        return [
          `${e(TASK_LABELS[view.task])}${pairs.length > 1 ? `<br><small class="muted">${e(pair)}</small>` : ''}`,
          ...(multiRun ? [e(view.deviceLabel)] : []),
          cell(of('speed')),
          cell(of('ttft')),
          cell(of('decode')),
          cell(of('memory')),
          cell(of('quality')),
        ];
      });
    }),
    'glance',
  );
  const engineList = model.variants.map((v) => `${legendMarker(v.index)}<strong>${e(v.label)}</strong>${v.label !== v.fullLabel ? ` <span class="muted">(${e(v.fullLabel)})</span>` : ''}`).join(' &nbsp; ');
  return section('verdicts', 'Verdicts', `<p class="contenders">Compared: ${engineList}</p><h3>At a glance</h3>${glance}${blocks.join('') || '<p>No task produced cells.</p>'}`);
}

function failuresSection(model: ReportModel): string {
  const total = model.runs.reduce((sum, r) => sum + r.results.cells.length, 0);
  if (model.failures.length === 0) return section('failures', 'Failed and unavailable cells', `<p>None: all ${total} cells succeeded.</p>`);
  const rows = model.failures.map((f) => [
    `<span class="status status-${f.status}">${e(f.status)}</span>`,
    e(f.key.engine),
    e(`${f.key.model} ${f.key.quant}`),
    e(f.key.target),
    e(TASK_LABELS[f.key.task]),
    e(f.key.fixture),
    `<span class="reason">${e(f.reason)}</span>`,
    ...(model.runs.length > 1 ? [e(f.runId)] : []),
  ]);
  return section(
    'failures',
    'Failed and unavailable cells',
    `<p>${model.failures.length} of ${total} cells did not produce a measurement. They are data, listed here with their reasons, and left out of the statistics above.</p>` +
      table(['Status', 'Engine', 'Model', 'Target', 'Task', 'Fixture', 'Reason', ...(model.runs.length > 1 ? ['Run'] : [])], rows),
  );
}

function summaryRow(f: VariantTaskFigures, metricNames: string[], showQuality: boolean): string[] {
  const cells = `${f.okCells} ok${f.failedCells ? `, ${f.failedCells} failed` : ''}${f.unavailableCells ? `, ${f.unavailableCells} unavailable` : ''}`;
  const quality = showQuality
    ? metricNames.map((name) => {
        if (f.qualityHidden) return '<span class="muted" title="shape-synthetic weights">n/a (synthetic)</span>';
        const m = f.quality.find((q) => q.name === name);
        if (!m || (m.corpus === null && m.mean === null)) return '–';
        const title = `corpus ${formatNumber(m.corpus)}, mean of per-fixture scores ${formatNumber(m.mean)}, ${m.n} fixtures`;
        return `<span title="${e(title)}">${formatNumber(m.corpus ?? m.mean)}</span> <span class="muted">(n=${m.n})</span>`;
      })
    : [];
  return [
    variantName(f),
    e(cells),
    f.latency ? `${formatMs(f.latency.p50)}` : '–',
    f.latency ? `${formatMs(f.latency.p90)}` : '–',
    f.ttft ? formatMs(f.ttft.p50) : '–',
    f.decodeTokensPerSec ? `${f.decodeTokensPerSec.p50.toFixed(1)}` : '–',
    formatBytes(f.hostPeakBytes),
    f.workerPeakBytes !== null ? formatBytes(f.workerPeakBytes) : '–',
    ...quality,
  ];
}

function metricHeader(view: TaskView, name: string): string {
  const { label, direction, headline } = metricHeading(view, name);
  return `${e(label)} ${direction}${headline ? ' <span class="headline">headline</span>' : ''}`;
}

/** Run-level warnings (thermal drift, outputs that changed between samples): shown, never buried. */
function warningsSection(model: ReportModel): string {
  const warnings = model.runs.flatMap((run) => (run.results.warnings ?? []).map((w) => (model.runs.length > 1 ? `${run.runId}: ${w}` : w)));
  if (warnings.length === 0) return '';
  return section('warnings', 'Warnings about the run', `<ul class="warn">${warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>`);
}

/** The headline metric per fixture category, so a reader sees where each engine struggles. */
function categoryTable(view: ReportModel['tasks'][number], showQuality: boolean): string {
  if (!showQuality || !view.headlineMetric || view.categories.length < 2) return '';
  const headers = ['Category', 'Fixtures', ...view.variants.map((f) => `${legendMarker(f.variant.index)}${e(f.variant.label)}`)];
  const rows = view.categories.map((c) => [e(c.category), String(c.fixtures), ...c.values.map((v) => (v.variant.synthetic !== false ? '<span class="muted">n/a (synthetic)</span>' : v.value === null ? '–' : `${formatNumber(v.value)} <small class="muted">(n=${v.n})</small>`))]);
  return `<h4>${e(metricLabel(view.headlineMetric))} per category</h4>` + table(headers, rows, 'categories');
}

function resultsSection(model: ReportModel): string {
  const multiRun = model.runs.length > 1;
  const blocks = model.tasks.map((view) => {
    const showQuality = showsQuality(view);
    const headers = [
      'Engine · model',
      'Cells',
      'Latency p50',
      'Latency p90',
      'TTFT p50',
      'Decode tok/s p50',
      'Peak RSS host',
      'Peak RSS worker',
      ...(showQuality ? view.metricNames.map((n) => metricHeader(view, n)) : []),
    ];
    const rows = view.variants.map((f) => summaryRow(f, view.metricNames, showQuality));
    const budget = view.variants
      .map((f) => `${e(f.variant.label)}: frames ${e(f.frames.join('/') || '–')}, image tokens ${e(f.imageTokens.join('/') || '–')}`)
      .join('; ');
    return (
      `<h3>${e(TASK_LABELS[view.task])}${multiRun ? ` <span class="device">on ${e(view.deviceLabel)}</span>` : ''}</h3>` +
      table(headers, rows, 'summary') +
      `<p class="note">Latency, TTFT and decode rate pool every counted sample over ${view.fixtures.length} fixtures.${showQuality ? ' Quality: corpus-level score over the successful fixtures (hover for the mean of per-fixture scores).' : ''} Image budget — ${budget}.</p>` +
      (qualityNotShown(view) ? `<p class="collapsed">${e(qualityNotShown(view))}</p>` : '') +
      categoryTable(view, showQuality)
    );
  });
  return section('results', 'Results per task', blocks.join(''));
}

function chartsSection(model: ReportModel): string {
  const multiRun = model.runs.length > 1;
  const blocks = model.tasks.map((view) => {
    const charts: Array<[string, string | null]> = [
      ['Latency per request: box = quartiles, thick line = median, every counted sample drawn', latencyBoxChart(view)],
      [`Quality (${view.headlineMetric ? metricLabel(view.headlineMetric) : 'headline metric'}) against median latency, with the Pareto front`, qualityLatencyChart(view)],
      ['Time to first token (median, 95% CI whiskers)', ttftChart(view)],
      ['Decode rate after the first token (median, 95% CI whiskers)', decodeRateChart(view)],
      ['Peak resident memory: host process solid, worker processes hatched', memoryChart(view)],
    ];
    const figures = charts
      .filter((c): c is [string, string] => c[1] !== null)
      .map(([caption, svg]) => `<figure class="chart-figure"><figcaption>${e(caption)}</figcaption>${svg}</figure>`)
      .join('');
    return `<h3>${e(TASK_LABELS[view.task])}${multiRun ? ` <span class="device">on ${e(view.deviceLabel)}</span>` : ''}</h3>${figures || '<p>No successful samples to chart.</p>'}`;
  });
  const phases = model.runs.map((run) => phasesChart(phaseBars(run.results))).filter((svg): svg is string => svg !== null);
  const phaseFigure = phases.length
    ? `<h3>Phases</h3>${phases.map((svg) => `<figure class="chart-figure"><figcaption>${e('Where the time goes per request: preprocessing, vision encoding, prefill, decode (hatched = estimated from TTFT and the engine’s own stats)')}</figcaption>${svg}</figure>`).join('')}`
    : '';
  const roofline = model.runs.flatMap((run) => decodeRoofline(run.results));
  const rooflineTable = roofline.length === 0
    ? ''
    : roofline.every((r) => r.share === null)
      ? `<h3>Decode against the memory-bandwidth roofline</h3><p class="collapsed">${e(rooflineNotMeasured(roofline.length))}</p>`
      : '<h3>Decode against the memory-bandwidth roofline</h3>' +
      table(
        ['Engine', 'Model', 'Quant', 'Fixture', 'Weights read / token', 'Decode tok/s', 'Achieved GB/s', 'Share of ceiling', 'Reading'],
        roofline.map((r) => [e(r.engine), e(r.model), e(r.quant), e(r.fixture), e(`${(r.weightBytesPerToken / 1e6).toFixed(1)} MB`), e(r.decodeTokensPerSec.toFixed(1)), e(r.achievedGBps.toFixed(1)), r.share === null ? '–' : e(`${(r.share * 100).toFixed(0)}%`), e(r.note)]),
      ) +
      `<p class="note">Weights read per token: every decoder layer and the output head, once per token (KV cache and activations left out, so the share is a floor). "Plausibly compute-bound": under ${COMPUTE_BOUND_SHARE * 100}% of the measured bandwidth ceiling (run with --bandwidth to measure it).</p>`;
  return section('charts', 'Charts', blocks.join('') + phaseFigure + rooflineTable);
}

function closestReference(references: string[], output: string): string {
  let best = references[0] ?? '';
  let bestChanges = Infinity;
  for (const reference of references) {
    const parts = wordDiff(reference, output);
    const changes = parts ? parts.filter((p) => p.op !== 'equal').reduce((sum, p) => sum + p.text.split(' ').length, 0) : Infinity;
    if (changes < bestChanges) {
      best = reference;
      bestChanges = changes;
    }
  }
  return best;
}

function galleryItem(item: GalleryItem, thumbnail: Thumbnail | undefined, multiRun: boolean): string {
  const image =
    thumbnail && 'dataUri' in thumbnail
      ? `<img src="${thumbnail.dataUri}" width="${thumbnail.width}" height="${thumbnail.height}" alt="${e(`fixture ${item.fixture.id}`)}">`
      : `<div class="missing-image">missing image<br><small>${e(thumbnail && 'missing' in thumbnail ? thumbnail.missing : 'not loaded')}</small></div>`;
  const references = item.fixture.references.length
    ? `<ol class="references">${item.fixture.references.map((r) => `<li><pre class="text">${e(r)}</pre></li>`).join('')}</ol>`
    : '<p class="muted">No reference text.</p>';
  const facts = item.fixture.facts?.length
    ? `<p class="facts">Scene facts: ${item.fixture.facts.map((f) => e(`${f.count} × ${f.color} ${f.shape}`)).join(', ')}</p>`
    : '';
  const rows = item.outputs.map((o) => {
    const label = `<span id="${e(cellAnchorId(o.cellKey))}"></span>${legendMarker(o.variant.index)}${e(o.variant.label)}${multiRun ? `<br><small class="muted">${e(o.deviceLabel)}</small>` : ''}`;
    if (o.status !== 'ok') {
      return [label, `<span class="status status-${o.status}">${e(o.status)}</span>: <span class="reason">${e(o.reason ?? '')}</span>`, '–', '–'];
    }
    // A bounded excerpt: the text as stored stays in the embedded results JSON.
    const text = textExcerpt(o.text ?? '');
    const diff = item.fixture.references.length ? renderDiffHtml(closestReference(item.fixture.references, text), text) : e(text);
    const unstable = o.stableAcrossSamples === false ? '<p class="warn">Output differed between counted samples.</p>' : '';
    const scores = o.qualityHidden
      ? '<span class="muted">n/a (synthetic)</span>'
      : o.quality
          .filter((q) => q.value !== null)
          .map((q) => `<span class="score">${e(q.label)}&nbsp;${formatNumber(q.value)}</span>`)
          .join(' ') || '–';
    return [label, `<div class="output text">${diff}</div>${unstable}`, scores, formatMs(o.latencyMedianMs)];
  });
  return (
    `<article class="fixture" data-fixture-id="${e(item.fixture.id)}" data-task="${e(item.task)}">` +
    `<div class="thumb">${image}</div><div class="fixture-body">` +
    `<h4>${e(item.fixture.id)} <span class="muted">· ${e(TASK_LABELS[item.task])} · ${e(item.fixture.category)}</span></h4>` +
    `<div class="reference-block"><span class="evidence-label">Reference${item.fixture.references.length > 1 ? 's' : ''}:</span>${references}</div>${facts}` +
    table(['Engine · model', 'Output (vs closest reference: <ins>added</ins> <del>missing</del>)', 'Scores', 'Median latency'], rows, 'outputs') +
    `<p class="provenance muted">Source: ${e(item.fixture.source)} · licence: ${e(item.fixture.licence)} · sha256 ${e(item.fixture.sha256.slice(0, 16))}</p>` +
    '</div></article>'
  );
}

function gallerySection(model: ReportModel, thumbnails: Map<string, Thumbnail>): string {
  const multiRun = model.runs.length > 1;
  const byTask = new Map<string, GalleryItem[]>();
  for (const item of model.gallery) byTask.set(item.task, [...(byTask.get(item.task) ?? []), item]);
  const blocks = [...byTask.entries()].map(
    ([task, items]) => `<h3>${e(TASK_LABELS[task as keyof typeof TASK_LABELS] ?? task)} (${items.length} fixtures)</h3>${items.map((i) => galleryItem(i, thumbnails.get(galleryKey(i)), multiRun)).join('')}`,
  );
  return section('gallery', 'Per-fixture gallery', blocks.join('') || '<p>No fixtures.</p>');
}

function footprintSection(model: ReportModel): string {
  if (model.footprints.length === 0) return '';
  const multiRun = model.footprints.length > 1;
  const blocks = model.footprints.map(
    (f) => (multiRun ? `<h3>Run ${e(f.runId)} <span class="device">on ${e(f.deviceLabel)}</span></h3>` : '') + renderFootprintHtml(f.footprint, e),
  );
  return section('footprint', 'Footprint per engine', blocks.join(''));
}

function fairnessSection(model: ReportModel): string {
  const multiRun = model.runs.length > 1;
  const blocks = model.fairness.map((f) => {
    const headers = ['Attribute', ...f.variants.map((v) => `${legendMarker(v.index)}${e(v.fullLabel)}`), 'Differs?'];
    const rows = f.rows.map((r) => [e(r.attribute), ...r.values.map((v) => e(v)), r.differs ? '<strong class="differs">differs</strong>' : 'same']);
    const notes = f.notes
      .map((n) => `<li><strong>${e(n.variant)}</strong>: ${n.notes.length ? n.notes.map((x) => e(x)).join('; ') : '<span class="muted">no notes</span>'}</li>`)
      .join('');
    const seen = f.imagesSeen.length
      ? `<h4>What each engine saw, per fixture</h4><p>Frames, tile grid, frame size and image tokens each engine encoded (measured unless marked), with the median latency per image and per frame.</p>` +
        table(
          ['Task', 'Fixture', 'Image', ...f.variants.map((v) => `${legendMarker(v.index)}${e(v.label)}`), 'Same frames?'],
          f.imagesSeen.map((r) => [e(r.task), e(r.fixture), e(r.input), ...r.seen.map((s) => e(seenWords(s))), r.agreement?.startsWith('differ') ? `<strong class="differs">${e(r.agreement)}</strong>` : e(r.agreement ?? '–')]),
          'images-seen',
        )
      : '';
    const settings = table(['Setting', 'Value'], f.settings.map(([k, v]) => [e(k), e(v)]));
    const prompts = table(['Task', 'Prompt (identical for every engine)'], f.prompts.map(([k, v]) => [e(k), `<pre class="text">${e(v)}</pre>`]));
    return (
      (multiRun ? `<h3>Run ${e(f.runId)} <span class="device">on ${e(f.deviceLabel)}</span></h3>` : '') +
      `<h4>What each engine really ran</h4>${table(headers, rows, 'fairness')}${seen}` +
      `<h4>Why they differ (engine load notes)</h4><ul class="notes">${notes}</ul>` +
      `<h4>Settings shared by every engine</h4>${settings}<h4>Prompts</h4>${prompts}`
    );
  });
  return section(
    'fairness',
    'Fairness and method',
    '<p>Prompts, token limits and greedy decoding are set once per task and are equal for every engine. Rows marked <strong class="differs">differs</strong> are where the engines did not run the same thing; the notes say why.</p>' +
      blocks.join(''),
  );
}

function crossDeviceSection(model: ReportModel): string {
  const view = model.crossDevice;
  if (!view) return '';
  const statements = `<ul>${view.statements.map((s) => `<li>${e(s)}</li>`).join('')}</ul>`;
  const runs = `<ol class="runs">${view.runs.map((r) => `<li>${e(r.deviceLabel)}</li>`).join('')}</ol>`;
  const headers = ['Cell key', ...view.runs.map((_, i) => `Run ${i + 1}: latency p50 / TTFT p50 / peak`), 'Comparable?'];
  const rows = view.rows.map((r) => [
    e(`${r.key.engine} · ${r.key.model} ${r.key.quant} · ${r.key.target} · ${TASK_LABELS[r.key.task]} · ${r.key.fixture}`),
    ...r.perRun.map((p) => (p.status === null ? '<span class="muted">absent</span>' : p.status !== 'ok' ? e(p.status) : `${formatMs(p.latencyMedianMs)} / ${formatMs(p.ttftMedianMs)} / ${formatBytes(p.totalPeakBytes)}`)),
    r.comparable ? 'yes' : `<span class="differs">no</span>: ${e(r.differences.join('; ') || 'run settings differ')}`,
  ]);
  const chart = crossDeviceChart(view);
  const rowsTable = table(headers, rows, 'cross-device');
  const detail = view.rows.length > 40 ? `<details><summary>Every cell key (${view.rows.length})</summary>${rowsTable}</details>` : rowsTable;
  return section('cross-device', 'Across devices', `${runs}${statements}${chart ? `<figure class="chart-figure">${chart}</figure>` : ''}${detail}`);
}

function environmentSection(model: ReportModel): string {
  const blocks = model.runs.map((run) => {
    const r = run.results;
    const env = r.environment;
    const envRows: Array<[string, string]> = [
      ['Hostname', env.hostname ?? '–'],
      ['OS', `${env.os.platform} ${env.os.release} ${env.os.arch}${env.os.distro ? ` (${env.os.distro})` : ''}${env.os.kernel ? `, kernel ${env.os.kernel}` : ''}`],
      ['CPU', `${env.cpu.model}, ${env.cpu.logicalCores} logical / ${env.cpu.physicalCores ?? '?'} physical cores${env.cpu.governor ? `, governor ${env.cpu.governor}` : ''}`],
      ['CPU flags', env.cpu.flags.join(' ') || '–'],
      ['Memory', formatBytes(env.memoryBytes)],
      ['GPU', env.gpu.length ? env.gpu.map((g) => `${g.name}${g.driver ? ` (driver ${g.driver})` : ''}${g.memoryBytes ? `, ${formatBytes(g.memoryBytes)}` : ''} [${g.source}]`).join('; ') : 'none detected'],
      ['Node.js', env.node],
      ['Packages', Object.entries(env.packages).map(([k, v]) => `${k}@${v}`).join(', ') || '–'],
      ['Git', `${env.git.commit ?? 'unknown commit'}${env.git.dirty ? ' (dirty working tree)' : ''}`],
      ['Tool', `${r.tool.name} ${r.tool.version}`],
      ['Run', `${r.run.id}: ${r.run.startedAt} → ${r.run.finishedAt}${r.run.complete ? '' : ' (partial)'}`],
      ['Fixtures', `${r.fixtures.items.length} items in ${r.fixtures.dir}, manifest sha256 ${r.fixtures.manifestSha256}`],
    ];
    const extra = env.extra ? `<details><summary>More measured facts</summary><pre class="text">${e(JSON.stringify(env.extra, null, 2))}</pre></details>` : '';
    const modelRows = r.models.flatMap((m) =>
      (m.files.length ? m.files : [null]).map((file) => [
        e(m.id),
        e(m.engine),
        e(m.quant),
        e(m.synthetic === false ? 'no' : m.synthetic),
        e(`${m.source}${m.revision ? ` @ ${m.revision}` : ''}`),
        file ? e(file.role) : '–',
        file ? `<code>${e(file.path)}</code>` : '–',
        file ? formatBytes(file.bytes) : '–',
        file ? `<code class="hash">${e(file.sha256)}</code>` : '–',
      ]),
    );
    const engines = table(
      ['Engine', 'Package', 'Version', 'Available'],
      r.engines.map((x) => [e(x.id), e(x.packageName), e(x.version ?? '–'), x.available ? 'yes' : `no: ${e(x.reason ?? '')}`]),
    );
    return (
      (model.runs.length > 1 ? `<h3>Run ${e(run.runId)}</h3>` : '') +
      table(['Fingerprint', 'Value'], envRows.map(([k, v]) => [e(k), e(v)]), 'env') +
      extra +
      `<h4>Engines</h4>${engines}<h4>Model files</h4>${table(['Model', 'Engine', 'Quant', 'Synthetic', 'Source', 'Role', 'Path', 'Size', 'sha256'], modelRows, 'models')}` +
      `<h4>Reproduce</h4><pre class="command"><code>${e(r.run.command)}</code></pre>`
    );
  });
  return section('environment', 'Environment and reproduction', blocks.join(''));
}

function rawDataSection(model: ReportModel): string {
  const blocks = model.runs.map((run, i) => {
    const embedded = embeddedResultsHtml(run.results, i);
    return `<p>${embedded.button} <span class="muted">(${formatBytes(embedded.jsonBytes)} of JSON)</span></p>${embedded.block}`;
  });
  return section(
    'raw-data',
    'Raw data',
    `<p>The complete results document${model.runs.length > 1 ? 's are' : ' is'} embedded in this file once: every cell, counted sample, load, output and score, with the warm-up runs' timings but not their token arrival times. The button builds the JSON file from that copy when clicked (the page's only script). The copy is a <code>&lt;script type="application/octet-stream" data-encoding="gzip+base64"&gt;</code> block per run, so a program can also read it: base64-decode, then gunzip.</p>` +
      '<noscript><p class="warn">The download needs JavaScript; without it, take results.json from the run folder, or decode the block as above.</p></noscript>' +
      blocks.join(''),
  );
}

// ---------------------------------------------------------------------------------------
// Styles

const STYLES = `
:root { --fg: #1d1f21; --muted: #5f6368; --line: #d7dadf; --bg-soft: #f5f6f8; --accent: #0072B2; --warn: #D55E00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 1.8rem; margin: 0 0 4px; }
h2 { font-size: 1.35rem; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 24px 0 8px; }
h4 { font-size: 0.98rem; margin: 18px 0 6px; }
.meta, .muted, .device { color: var(--muted); }
.device { font-weight: normal; font-size: 0.9rem; }
nav.toc { margin: 12px 0 0; font-size: 0.9rem; display: flex; flex-wrap: wrap; gap: 2px 14px; }
nav.toc a { color: var(--accent); }
.measured { margin: 6px 0 2px; font-size: 0.95rem; overflow-wrap: anywhere; }
.collapsed { color: var(--muted); font-style: italic; }
.banner { border-radius: 6px; padding: 12px 16px; margin: 14px 0; border: 2px solid; }
.banner-synthetic { background: #fff3e0; border-color: #D55E00; font-size: 1.05rem; }
.banner-warn { background: #fff8e1; border-color: #E69F00; }
.banner-info { background: #e8f4fb; border-color: #56B4E9; }
ul.verdicts { list-style: none; padding: 0; margin: 0; display: grid; gap: 10px; }
li.verdict { border: 1px solid var(--line); border-left: 5px solid var(--accent); border-radius: 6px; padding: 10px 14px; background: var(--bg-soft); }
li.verdict-quality { border-left-color: #009E73; }
li.verdict-memory { border-left-color: #CC79A7; }
.caveats { margin: 2px 0 4px; font-size: 0.9rem; }
.verdict-head { display: flex; gap: 10px; align-items: center; }
.aspect { font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; font-size: 0.8rem; }
.glance { white-space: nowrap; }
.glance-winner { font-weight: 700; color: #00543d; }
.glance-winner::before { content: "✓ "; }
.glance-no-difference, .glance-insufficient, .glance-not-judged, .glance-single-engine { color: var(--muted); }
table.glance td { font-size: 0.95rem; }
.badge { font-size: 0.8rem; padding: 1px 8px; border-radius: 10px; border: 1px solid; }
.badge-win { border-color: #009E73; color: #00543d; background: #e6f5ef; }
.badge-none { border-color: var(--line); color: var(--muted); background: #fff; }
.badge-synthetic { background: #fff3e0; color: #8a3b00; border-color: #D55E00; margin-left: 6px; }
.verdict-sentence { font-size: 1.02rem; font-weight: 600; margin: 6px 0 4px; }
.evidence { margin: 0; font-size: 0.88rem; color: #3c4043; }
.evidence-label { font-weight: 600; }
.contenders { font-size: 0.95rem; }
.legend-marker { vertical-align: -2px; margin-right: 4px; }
.table-wrap { overflow-x: auto; margin: 6px 0 10px; }
table { border-collapse: collapse; font-size: 0.88rem; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; white-space: nowrap; }
table.summary td:nth-child(n+3) { font-variant-numeric: tabular-nums; white-space: nowrap; }
table.summary td:first-child, table.fairness th { white-space: nowrap; }
table.outputs td:nth-child(3) { min-width: 9em; }
.score { display: inline-block; margin-right: 6px; white-space: nowrap; }
figcaption { font-weight: 600; font-size: 0.92rem; margin: 0 0 4px; }
.headline { font-size: 0.7rem; color: #fff; background: var(--accent); border-radius: 3px; padding: 0 4px; }
.note { font-size: 0.85rem; color: var(--muted); }
.status-failed { color: #b00020; font-weight: 600; }
.status-unavailable { color: #8a5a00; font-weight: 600; }
.differs { color: var(--warn); }
.reason { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.82rem; }
figure.chart-figure { margin: 12px 0 18px; overflow-x: auto; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
svg.chart .grid { stroke: #e6e8eb; stroke-width: 1; }
svg.chart .axis { stroke: #6b7075; stroke-width: 1; }
svg.chart .tick { font-size: 11px; fill: #4a4f55; }
svg.chart .axis-title { font-size: 12px; fill: #1d1f21; font-weight: 600; }
svg.chart .label { font-size: 12px; fill: #1d1f21; }
svg.chart .sublabel { font-size: 10.5px; fill: #5f6368; }
svg.chart .value { font-size: 11.5px; fill: #1d1f21; }
article.fixture { display: grid; grid-template-columns: 172px minmax(0, 1fr); gap: 16px; border: 1px solid var(--line); border-radius: 6px; padding: 12px; margin: 12px 0; break-inside: avoid; }
.thumb img { max-width: 160px; height: auto; border: 1px solid var(--line); image-rendering: auto; }
.missing-image { width: 160px; padding: 24px 8px; text-align: center; border: 1px dashed #b00020; color: #b00020; font-size: 0.85rem; word-break: break-all; }
article.fixture h4 { margin-top: 0; }
pre.text, .output.text { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.84rem; margin: 0; }
ol.references { margin: 4px 0 8px; padding-left: 20px; }
ins { background: #d8f3e6; color: #00543d; text-decoration: underline; }
del { background: #fde2dc; color: #8f2d0a; text-decoration: line-through; }
.warn { color: var(--warn); font-size: 0.85rem; margin: 4px 0 0; }
.provenance { font-size: 0.78rem; margin: 4px 0 0; }
pre.command { background: #1d1f21; color: #f5f6f8; padding: 12px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
code.hash { font-size: 0.75rem; word-break: break-all; }
button.download { font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 4px; padding: 4px 12px; cursor: pointer; }
footer { margin-top: 48px; font-size: 0.8rem; color: var(--muted); }
/* Phones: one column, and wide tables scroll inside their own box (.table-wrap), never the page. */
@media (max-width: 720px) { article.fixture { grid-template-columns: minmax(0, 1fr); } main { padding: 16px; } h1 { font-size: 1.45rem; } }
main, section, .fixture-body { min-width: 0; }
main { overflow-wrap: break-word; }
.footprint svg { max-width: 100%; height: auto; }
@media print {
  @page { margin: 14mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc, button.download { display: none; }
  h2 { break-before: auto; break-after: avoid; }
  h3, h4 { break-after: avoid; }
  li.verdict, figure.chart-figure, article.fixture, tr { break-inside: avoid; }
  .table-wrap, figure.chart-figure { overflow: visible; }
  .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  ins, del, .headline, .badge, svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

/**
 * Nothing may be fetched (images are data: URIs) and no script may run but the download
 * button's, which is allowed by its sha256: an injected inline script, event attribute or
 * script file is refused by the browser even if escaping ever failed.
 */
function contentSecurityPolicy(): string {
  return `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src ${downloadScriptHash()}; base-uri 'none'; form-action 'none'`;
}

// ---------------------------------------------------------------------------------------

export function renderHtml(model: ReportModel, thumbnails: Map<string, Thumbnail> = new Map()): string {
  const tool = model.runs[0]!.results.tool;
  const toc = [
    ['verdicts', 'Verdicts'],
    ['claims', 'Claims'],
    ['failures', 'Failures'],
    ['results', 'Results'],
    ['charts', 'Charts'],
    ['gallery', 'Gallery'],
    ['fairness', 'Fairness'],
    ['network', 'Network'],
    ...(model.footprints.length ? [['footprint', 'Footprint']] : []),
    ...(model.crossDevice ? [['cross-device', 'Across devices']] : []),
    ['environment', 'Environment'],
    ['raw-data', 'Raw data'],
  ]
    .map(([id, label]) => `<a href="#${id}">${label}</a>`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="${e(`${tool.name} ${tool.version}`)}">`,
    `<title>${e(model.title)}</title>`,
    `<style>${STYLES}</style>`,
    '</head><body><main>',
    `<header><h1>${e(model.title)}</h1>${measuredLines(model)}<p class="meta">${e(model.runs.map((r) => r.deviceLabel).join(' | '))} · generated ${e(model.generatedAt)} by ${e(`${tool.name} ${tool.version}`)}</p><nav class="toc">${toc}</nav></header>`,
    banners(model),
    verdictsSection(model),
    section('claims', 'Claims checked', renderClaimsHtml(model.claims, e)),
    warningsSection(model),
    failuresSection(model),
    resultsSection(model),
    chartsSection(model),
    gallerySection(model, thumbnails),
    fairnessSection(model),
    section('network', 'Network', networkHtml(networkView(model.runs.map((run) => run.results)), e)),
    footprintSection(model),
    crossDeviceSection(model),
    environmentSection(model),
    rawDataSection(model),
    `<footer>Generated by ${e(tool.name)} ${e(tool.version)}. Self-contained: no external requests; one script, the download button's.</footer>`,
    '</main>',
    `<script>${DOWNLOAD_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
