/** report.md: the report for GitHub (PR comments, README), from the same model as the HTML. */
import { renderClaimsMarkdown } from '../claims/render.js';
import { renderFootprintMarkdown } from '../footprint/render.js';
import { decodeRoofline, rooflineMarkdown } from './roofline.js';
import { networkMarkdown, networkView } from './network.js';
import { escapeMarkdownCell as cell, escapeMarkdownText as text, markdownCodeBlock, markdownCodeSpan } from './escape.js';
import { textExcerpt } from '../results/text-cap.js';
import { TASK_LABELS, WEIGHTS_LABELS, formatBytes, formatMs, formatNumber, metricHeading, metricLabel, qualityNotShown, showsQuality, type ReportModel, type TaskView, type VariantTaskFigures } from './model.js';
import { UNVERIFIED_BANNER, unverifiedModelLabels } from '../results/real-weights.js';
import { seenWords } from './model/image-seen.js';
import { runFacts } from './run-facts.js';

function mdTable(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function qualityCell(f: VariantTaskFigures, name: string): string {
  if (f.qualityHidden) return 'n/a (synthetic)';
  const m = f.quality.find((q) => q.name === name);
  if (!m || (m.corpus === null && m.mean === null)) return '–';
  return `${formatNumber(m.corpus ?? m.mean)} (n=${m.n})`;
}

function summaryTable(view: TaskView): string {
  const metrics = showsQuality(view) ? view.metricNames : [];
  const headers = [
    'Engine · model',
    'Cells ok/failed/unavail.',
    'Latency p50',
    'Latency p90',
    'TTFT p50',
    'Decode tok/s p50',
    'Peak RSS host',
    'Peak RSS worker',
    ...metrics.map((m) => {
      const { label, direction, headline } = metricHeading(view, m);
      return cell(`${label}${direction ? ` ${direction}` : ''}${headline ? ' (headline)' : ''}`);
    }),
  ];
  const rows = view.variants.map((f) => [
    cell(f.variant.fullLabel),
    `${f.okCells}/${f.failedCells}/${f.unavailableCells}`,
    formatMs(f.latency?.p50),
    formatMs(f.latency?.p90),
    formatMs(f.ttft?.p50),
    f.decodeTokensPerSec ? f.decodeTokensPerSec.p50.toFixed(1) : '–',
    formatBytes(f.hostPeakBytes),
    f.workerPeakBytes !== null ? formatBytes(f.workerPeakBytes) : '–',
    ...metrics.map((m) => qualityCell(f, m)),
  ]);
  return mdTable(headers, rows);
}

function bannerLines(model: ReportModel): string[] {
  const lines: string[] = [];
  if (model.synthetic.tiny.length) {
    lines.push(`> [!WARNING]\n> **Synthetic tiny random weights: timings prove the plumbing only; quality figures mean nothing.** Models: ${text(model.synthetic.tiny.join(', '))}.`);
  }
  if (model.synthetic.shape.length) {
    lines.push(
      `> [!WARNING]\n> **Shape-faithful random weights: speed and memory are real-scale; quality is meaningless.** Quality columns are left out for: ${text(model.synthetic.shape.join(', '))}.`,
    );
  }
  const unverified = unverifiedModelLabels(model.runs.flatMap((run) => run.results.models));
  if (unverified.length) lines.push(`> [!CAUTION]\n> **${UNVERIFIED_BANNER}** Models: ${text(unverified.join(', '))}.`);
  if (model.incompleteRuns.length) lines.push(`> [!CAUTION]\n> Partial run(s): ${text(model.incompleteRuns.join(', '))} did not finish every planned cell.`);
  if (model.engines.length === 1) lines.push(`> [!NOTE]\n> Only one engine (${text(model.engines[0])}) is in these results: there is nothing to compare it against.`);
  return lines;
}

export function renderMarkdown(model: ReportModel): string {
  const multiRun = model.runs.length > 1;
  const on = (device: string): string => (multiRun ? ` — ${text(device)}` : '');
  const out: string[] = [];
  out.push(`# ${text(model.title)}`, '');
  for (const run of model.runs) out.push(`**Measured${multiRun ? ` (run ${text(run.runId)})` : ''}:** ${text(runFacts(run.results).line)}`, '');
  out.push(`Runs: ${model.runs.map((r) => `${markdownCodeSpan(r.runId)} (${text(r.deviceLabel)})`).join(', ')} · generated ${model.generatedAt}`, '');
  out.push(...bannerLines(model).flatMap((l) => [l, '']));

  out.push('## Verdicts', '');
  out.push(
    mdTable(
      ['Task', ...(multiRun ? ['Device'] : []), 'Speed', 'First token', 'Decode', 'Memory', 'Quality'],
      model.tasks.flatMap((view) => {
        const pairs = [...new Set(view.verdicts.map((v) => v.contenders.join(' vs ')))];
        return pairs.map((pair) => {
          const of = (aspect: string) => view.verdicts.find((v) => v.aspect === aspect && v.contenders.join(' vs ') === pair);
          const short = (aspect: string) => {
            const v = of(aspect);
            return v ? (v.outcome === 'winner' ? `**${cell(v.short)}**` : cell(v.short)) : '–';
          };
          return [`${TASK_LABELS[view.task]}${pairs.length > 1 ? ` (${cell(pair)})` : ''}`, ...(multiRun ? [cell(view.deviceLabel)] : []), short('speed'), short('ttft'), short('decode'), short('memory'), short('quality')];
        });
      }),
    ),
    '',
  );
  for (const view of model.tasks) {
    out.push(`### ${TASK_LABELS[view.task]}${on(view.deviceLabel)}`, '');
    out.push(
      mdTable(
        ['Aspect', 'Weights', 'Verdict', 'Differs between them', 'Evidence'],
        view.verdicts.map((v) => [
          v.aspect,
          WEIGHTS_LABELS[v.weights],
          v.winner ? `**${cell(v.sentence)}**` : cell(v.sentence),
          v.caveats.length ? cell(v.caveats.join('; ')) : '–',
          cell(v.evidence),
        ]),
      ),
      '',
    );
  }

  out.push('## Claims checked', '', renderClaimsMarkdown(model.claims), '');

  const warnings = model.runs.flatMap((run) => (run.results.warnings ?? []).map((w) => (model.runs.length > 1 ? `${run.runId}: ${w}` : w)));
  if (warnings.length > 0) out.push('## Warnings about the run', '', ...warnings.map((w) => `- ${text(w)}`), '');

  out.push('## Failed and unavailable cells', '');
  if (model.failures.length === 0) out.push('None: every cell succeeded.', '');
  else
    out.push(
      mdTable(
        ['Status', 'Engine', 'Model', 'Target', 'Task', 'Fixture', 'Reason', ...(multiRun ? ['Run'] : [])],
        model.failures.map((f) => [
          f.status,
          cell(f.key.engine),
          cell(`${f.key.model} ${f.key.quant}`),
          cell(f.key.target),
          TASK_LABELS[f.key.task],
          cell(f.key.fixture),
          cell(f.reason),
          ...(multiRun ? [cell(f.runId)] : []),
        ]),
      ),
      '',
    );

  out.push('## Results per task', '');
  for (const view of model.tasks) {
    out.push(`### ${TASK_LABELS[view.task]}${on(view.deviceLabel)}`, '', summaryTable(view), '');
    const notShown = qualityNotShown(view);
    out.push(`Latency, TTFT and decode rate pool every counted sample over ${view.fixtures.length} fixtures${notShown ? '.' : '; quality is corpus-level over the successful fixtures (n = fixtures scored).'}`, '');
    if (notShown) out.push(text(notShown), '');
    const showCategories = view.headlineMetric && view.categories.length > 1 && showsQuality(view);
    if (showCategories) {
      out.push(`${cell(metricLabel(view.headlineMetric as string))} per category:`, '');
      out.push(
        mdTable(
          ['Category', 'Fixtures', ...view.variants.map((f) => cell(f.variant.label))],
          view.categories.map((c) => [cell(c.category), String(c.fixtures), ...c.values.map((v) => (v.variant.synthetic !== false ? 'n/a (synthetic)' : v.value === null ? '–' : `${formatNumber(v.value)} (n=${v.n})`))]),
        ),
        '',
      );
    }
  }

  const roofline = model.runs.flatMap((run) => decodeRoofline(run.results));
  if (roofline.length > 0) out.push('## Decode against the memory-bandwidth roofline', '', rooflineMarkdown(roofline), '');

  out.push('## Per-fixture detail', '');
  for (const view of model.tasks) {
    const headline = view.headlineMetric;
    out.push(`### ${TASK_LABELS[view.task]}${on(view.deviceLabel)}`, '');
    const items = model.gallery.filter((g) => g.task === view.task);
    const rows = items.flatMap((item) =>
      item.outputs
        .filter((o) => o.runId === view.runId)
        .map((o) => {
          const score = o.qualityHidden ? 'n/a (synthetic)' : headline ? formatNumber(o.quality.find((q) => q.name === headline)?.value ?? null) : '–';
          return [
            cell(item.fixture.id),
            cell(item.fixture.references[0] ?? ''),
            cell(o.variant.label),
            o.status === 'ok' ? cell(textExcerpt(o.text ?? '')) : cell(`${o.status}: ${o.reason ?? ''}`),
            score,
            formatMs(o.latencyMedianMs),
          ];
        }),
    );
    const headlineLabel = headline ? (view.variants[0]?.quality.find((q) => q.name === headline)?.label ?? headline) : 'score';
    out.push(mdTable(['Fixture', 'Reference', 'Engine · model', 'Output', cell(headlineLabel), 'Median latency'], rows), '');
  }

  out.push('## Fairness and method', '');
  for (const f of model.fairness) {
    if (multiRun) out.push(`### Run ${text(f.runId)}${on(f.deviceLabel)}`, '');
    out.push(
      mdTable(
        ['Attribute', ...f.variants.map((v) => cell(v.fullLabel)), 'Differs?'],
        f.rows.map((r) => [cell(r.attribute), ...r.values.map(cell), r.differs ? '**differs**' : 'same']),
      ),
      '',
    );
    if (f.imagesSeen.length > 0) {
      out.push('What each engine saw, per fixture (frames, tile grid, frame size, image tokens; median latency per image and per frame):', '');
      out.push(
        mdTable(
          ['Task', 'Fixture', 'Image', ...f.variants.map((v) => cell(v.label)), 'Same frames?'],
          f.imagesSeen.map((r) => [r.task, cell(r.fixture), r.input, ...r.seen.map((s) => cell(seenWords(s))), r.agreement ?? '–']),
        ),
        '',
      );
    }
    out.push('Engine notes (why they differ):', '');
    for (const n of f.notes) out.push(`- **${text(n.variant)}**: ${n.notes.length ? n.notes.map(text).join('; ') : 'no notes'}`);
    out.push('', mdTable(['Setting', 'Value'], f.settings.map(([k, v]) => [cell(k), cell(v)])), '');
    out.push(mdTable(['Task', 'Prompt (identical for every engine)'], f.prompts.map(([k, v]) => [cell(k), cell(v)])), '');
  }

  if (model.crossDevice) {
    const view = model.crossDevice;
    out.push('## Across devices', '');
    view.runs.forEach((r, i) => out.push(`${i + 1}. ${text(r.deviceLabel)}`));
    out.push('', ...view.statements.map((s) => `- ${text(s)}`), '');
    out.push(
      mdTable(
        ['Cell key', ...view.runs.map((_, i) => `Run ${i + 1}: latency / TTFT / peak`), 'Comparable?'],
        view.rows.map((r) => [
          cell(`${r.key.engine} · ${r.key.model} ${r.key.quant} · ${r.key.target} · ${r.key.task} · ${r.key.fixture}`),
          ...r.perRun.map((p) => (p.status === null ? 'absent' : p.status !== 'ok' ? p.status : `${formatMs(p.latencyMedianMs)} / ${formatMs(p.ttftMedianMs)} / ${formatBytes(p.totalPeakBytes)}`)),
          r.comparable ? 'yes' : cell(`no: ${r.differences.join('; ') || 'run settings differ'}`),
        ]),
      ),
      '',
    );
  }

  out.push('## Network', '', networkMarkdown(networkView(model.runs.map((run) => run.results)), cell), '');

  for (const entry of model.footprints) {
    out.push(`## Footprint per engine${model.footprints.length > 1 ? ` (${text(entry.deviceLabel)})` : ''}`, '', renderFootprintMarkdown(entry.footprint), '');
  }

  out.push('## Environment', '');
  for (const run of model.runs) {
    const r = run.results;
    const env = r.environment;
    if (multiRun) out.push(`### Run ${text(run.runId)}`, '');
    out.push(
      mdTable(
        ['Fingerprint', 'Value'],
        [
          ['Hostname', env.hostname ?? '–'],
          ['OS', `${env.os.platform} ${env.os.release} ${env.os.arch}${env.os.distro ? ` (${env.os.distro})` : ''}`],
          ['CPU', `${env.cpu.model}, ${env.cpu.logicalCores} logical / ${env.cpu.physicalCores ?? '?'} physical cores`],
          ['Memory', formatBytes(env.memoryBytes)],
          ['GPU', env.gpu.map((g) => g.name).join('; ') || 'none detected'],
          ['Node.js', env.node],
          ['Packages', Object.entries(env.packages).map(([k, v]) => `${k}@${v}`).join(', ') || '–'],
          ['Git', `${env.git.commit ?? 'unknown'}${env.git.dirty ? ' (dirty)' : ''}`],
          ['Tool', `${r.tool.name} ${r.tool.version}`],
          ['Fixture manifest sha256', r.fixtures.manifestSha256],
        ].map(([k, v]) => [cell(k), cell(v)]),
      ),
      '',
    );
    out.push(
      mdTable(
        ['Model', 'Engine', 'Quant', 'Synthetic', 'File', 'Bytes', 'sha256'],
        r.models.flatMap((m) =>
          m.files.map((f) => [cell(m.id), cell(m.engine), cell(m.quant), m.synthetic === false ? 'no' : m.synthetic, cell(`${f.role}: ${f.path}`), String(f.bytes), cell(f.sha256)]),
        ),
      ),
      '',
    );
    out.push('Reproduce:', '', markdownCodeBlock(r.run.command, 'sh'), '');
  }
  out.push('Full data: `report.html` embeds the complete results JSON; `summary.json` holds the verdicts.', '');
  return out.join('\n');
}
