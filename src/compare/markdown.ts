/**
 * The compare report as GitHub-flavoured Markdown for a pull-request comment: a
 * headline verdict, warnings, regressions, improvements, the unchanged count, and
 * output text changes folded in a <details> block.
 */
import type { CellKey } from '../results/schema.js';
import { escapeMarkdownCell, escapeMarkdownText, markdownCodeBlock, markdownCodeSpan } from '../report/escape.js';
import type { RunFacts } from '../report/run-facts.js';
import { UNVERIFIED_BANNER } from '../results/real-weights.js';
import type { CompareReport, Finding, MetricDelta } from './types.js';

/** What each run measured (src/report/run-facts.ts runFacts), so the comment names the hardware, models and weights. */
export interface CompareFacts {
  base: RunFacts;
  head: RunFacts;
}

/** GitHub rejects comments over 65,536 characters; keep the text section well inside that. */
const MAX_TEXT_CHANGES_SHOWN = 30;
const MAX_TEXT_CHARS = 1500;

function cellLabel(key: CellKey): string {
  return [key.engine, key.model, key.quant, key.target, key.task, key.fixture].join(' / ');
}

function formatValue(value: number, unit: string): string {
  if (unit === 'bytes') return `${(value / 2 ** 20).toFixed(1)} MiB`;
  if (unit === 'ms') return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
  if (unit === 'tokens/s') return `${value.toFixed(2)} tok/s`;
  return value.toFixed(4);
}

/** A delta's change as the comment prints it: +12.3% (timing, memory) or +0.0123 (quality). */
export function formatChange(delta: MetricDelta): string {
  if (delta.kind === 'quality') return `${delta.absoluteChange >= 0 ? '+' : ''}${delta.absoluteChange.toFixed(4)}`;
  if (delta.relativeChange === null) return 'n/a';
  const percent = delta.relativeChange * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`;
}

function formatEvidence(delta: MetricDelta): string {
  if (delta.kind === 'quality') return `tolerance ${delta.threshold}`;
  const p = delta.pValue === null ? 'p n/a' : delta.pValue < 0.001 ? 'p<0.001' : `p=${delta.pValue.toFixed(3)}`;
  const ci = delta.ci95 ? `, head/base 95% CI ${delta.ci95[0].toFixed(3)}–${delta.ci95[1].toFixed(3)}` : '';
  const band = delta.band !== undefined ? `, band ±${Number((delta.band * 100).toPrecision(3))}%` : '';
  return `${p}, ${delta.nBase} vs ${delta.nHead} ${delta.replication ?? 'unit'}s${ci}${band}`;
}

function findingRow(finding: Finding): string {
  const cell = escapeMarkdownCell(cellLabel(finding.key));
  if (finding.statusChange) {
    const change = finding.statusChange;
    return `| ${cell} | status | ${change.base} | ${change.head} | — | ${escapeMarkdownCell(change.reason ?? '')} |`;
  }
  const delta = finding.delta as MetricDelta;
  return `| ${cell} | ${escapeMarkdownCell(delta.label)} | ${formatValue(delta.base, delta.unit)} | ${formatValue(delta.head, delta.unit)} | ${formatChange(delta)} | ${formatEvidence(delta)} |`;
}

function findingsTable(findings: Finding[]): string[] {
  return ['| Cell | Metric | Base | Head | Change | Evidence |', '|---|---|---|---|---|---|', ...findings.map(findingRow)];
}

function fenced(text: string): string[] {
  const shown = text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS)}… [${text.length - MAX_TEXT_CHARS} more characters]` : text;
  return [markdownCodeBlock(shown, 'text')];
}

function headline(report: CompareReport): string {
  if (report.refused) return '## ⛔ vlmbench compare: refused — the runs are not comparable';
  const caveat = report.mismatchAllowed ? ' (⚠️ runs not comparable)' : '';
  if (report.verdict === 'regression') {
    return `## ❌ vlmbench compare: ${report.regressions.length} regression${report.regressions.length === 1 ? '' : 's'}${caveat}`;
  }
  return `## ✅ vlmbench compare: no regressions${caveat}`;
}

function runLine(label: string, run: CompareReport['base']): string {
  const commit = run.commit ? `, commit ${codeSpan(run.commit.slice(0, 12))}` : '';
  return `**${label}:** ${codeSpan(run.id)} (${escapeMarkdownText(run.startedAt)}${commit}${run.complete ? '' : ', partial'})`;
}

function differencesTable(report: CompareReport, blocking: boolean): string[] {
  const rows = report.comparability.differences.filter((difference) => difference.blocking === blocking);
  if (rows.length === 0) return [];
  return [
    '| Field | Kind | Base | Head |',
    '|---|---|---|---|',
    ...rows.map(
      (difference) =>
        `| ${escapeMarkdownCell(difference.field)} | ${difference.kind} | ${escapeMarkdownCell(difference.base)} | ${escapeMarkdownCell(difference.head)} |`,
    ),
  ];
}

const codeSpan = markdownCodeSpan;

function keyList(keys: CellKey[]): string {
  return keys.map((key) => codeSpan(cellLabel(key))).join(', ');
}

/** The hardware, engine versions, models and quantisation, image budget and weights of both runs, and a warning for synthetic weights. */
function measuredLines(facts: CompareFacts | undefined): string[] {
  if (!facts) return [];
  const lines: string[] = [];
  // The least real side decides the warning: tiny, then shape-faithful, then unverified files.
  const order = ['tiny', 'shape', 'unverified'] as const;
  const weakest = order.find((kind) => facts.base.weights === kind || facts.head.weights === kind);
  if (weakest) {
    const words = { tiny: "Tiny synthetic weights: these timings prove the plumbing only, they are not a real model's", shape: 'Shape-faithful random weights: speed and memory are real-scale, quality means nothing', unverified: UNVERIFIED_BANNER.replace(/\.$/, '') }[weakest];
    lines.push('> [!WARNING]', `> **${escapeMarkdownText(words)}** (${escapeMarkdownText(weakest === facts.head.weights ? facts.head.weightsText : facts.base.weightsText)}).`, '');
  }
  if (facts.base.line === facts.head.line) lines.push(`**Measured (both runs):** ${escapeMarkdownText(facts.head.line)}`, '');
  else lines.push(`**Measured (base):** ${escapeMarkdownText(facts.base.line)}`, '', `**Measured (head):** ${escapeMarkdownText(facts.head.line)}`, '');
  return lines;
}

export function renderCompareMarkdown(report: CompareReport, facts?: CompareFacts): string {
  const lines: string[] = [headline(report), '', ...measuredLines(facts)];

  if (report.refused) {
    lines.push(
      'Hardware, settings, models or fixtures differ between the two runs, so their numbers would measure that difference, not the change under test. Rerun both on the same reference device with the same settings, or pass `--allow-mismatch` to compare anyway.',
      '',
      ...differencesTable(report, true),
      '',
    );
    return `${lines.join('\n').trimEnd()}\n`;
  }
  if (report.mismatchAllowed) {
    lines.push('> [!WARNING]', '> **These runs are not comparable.** They were compared anyway (`--allow-mismatch`); read every number below with the differences in mind.', '');
    lines.push(...differencesTable(report, true), '');
  }

  lines.push(runLine('Base', report.base), '', runLine('Head', report.head), '');
  const thresholds = Object.entries(report.thresholds)
    .map(([metric, value]) => `${metric} ${(value * 100).toFixed(0)}%`)
    .join(', ');
  lines.push(
    `Gate (docs/verdicts.md): a timing or memory change regresses when the t-test gives p < ${report.alpha} and its 95% interval lies wholly beyond the larger of its threshold (${thresholds}) and the noise band (±${Number((report.noiseBand * 100).toPrecision(3))}% across replicated processes, at least ±12.5% within one process per run), and a timing change must show in each process's fastest run as well as its median (docs/ci-workflow.md); per cell and per variant × task (fixture \`*\`); quality by more than ${report.qualityTolerance} absolute.`,
    '',
  );
  const otherWarnings = report.warnings.filter((warning) => !(report.mismatchAllowed && warning.startsWith('Runs are NOT comparable')));
  for (const warning of otherWarnings) lines.push(`> ⚠️ ${escapeMarkdownText(warning)}`, '');

  lines.push(`### Regressions (${report.regressions.length})`, '');
  lines.push(...(report.regressions.length > 0 ? findingsTable(report.regressions) : ['None.']), '');
  lines.push(`### Improvements (${report.improvements.length})`, '');
  lines.push(...(report.improvements.length > 0 ? findingsTable(report.improvements) : ['None.']), '');

  lines.push(`**${report.unchangedCells} of ${report.matchedCells} matched cell(s) unchanged.**`, '');
  if (report.onlyInBase.length > 0) lines.push(`Only in base (${report.onlyInBase.length}): ${keyList(report.onlyInBase)}`, '');
  if (report.onlyInHead.length > 0) lines.push(`Only in head (${report.onlyInHead.length}): ${keyList(report.onlyInHead)}`, '');
  const otherStatusChanges = report.statusChanges.filter((change) => change.base !== 'ok' && change.head !== 'ok');
  for (const change of otherStatusChanges) {
    lines.push(`Status ${change.base} → ${change.head}: ${codeSpan(cellLabel(change.key))}`, '');
  }

  const softwareTable = differencesTable(report, false);
  if (softwareTable.length > 0) {
    lines.push(`<details><summary>Software differences (${softwareTable.length - 2}, not blocking)</summary>`, '', ...softwareTable, '', '</details>', '');
  }

  if (report.textChanges.length > 0) {
    lines.push(`<details><summary>Output text changed in ${report.textChanges.length} cell(s)</summary>`, '');
    for (const change of report.textChanges.slice(0, MAX_TEXT_CHANGES_SHOWN)) {
      lines.push(`**${escapeMarkdownText(cellLabel(change.key))}**`, '', 'Base:', '', ...fenced(change.baseText), '', 'Head:', '', ...fenced(change.headText), '');
    }
    if (report.textChanges.length > MAX_TEXT_CHANGES_SHOWN) {
      lines.push(`…and ${report.textChanges.length - MAX_TEXT_CHANGES_SHOWN} more (see the JSON report).`, '');
    }
    lines.push('</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
