/**
 * The "Claims checked" table for the Markdown and HTML reports. Deciding cells link to
 * `#cell-<anchor>`; the report gives each cell row the same id via cellAnchorId.
 */
import type { ClaimVerdict } from './evaluate.js';
import type { Verdict } from './rules.js';
import { escapeMarkdownCell, markdownCodeSpan } from '../report/escape.js';

type Escape = (value: unknown) => string;

/** The HTML id of a cell row: `cell-` plus the cell key id with anything but [A-Za-z0-9._-] as `_`. */
export function cellAnchorId(cellKeyId: string): string {
  return `cell-${cellKeyId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

const VERDICT_MARK: Record<Verdict, string> = {
  supported: '✅',
  contradicted: '❌',
  'partly supported': '◐',
  measured: '📏',
  'not measured in this run': '…',
  unmeasurable: '∅',
};

const VERDICT_CLASS: Record<Verdict, string> = {
  supported: 'claim-supported',
  contradicted: 'claim-contradicted',
  'partly supported': 'claim-partly',
  measured: 'claim-measured',
  'not measured in this run': 'claim-not-measured',
  unmeasurable: 'claim-unmeasurable',
};

function shortCell(id: string): string {
  const [engine, model, quant, target, task, fixture] = id.split('|');
  return `${engine} ${model} ${quant} ${target} ${task} ${fixture}`;
}

function tally(verdicts: ClaimVerdict[]): string {
  const counts = new Map<Verdict, number>();
  for (const verdict of verdicts) counts.set(verdict.verdict, (counts.get(verdict.verdict) ?? 0) + 1);
  return [...counts.entries()].map(([verdict, count]) => `${count} ${verdict}`).join(', ');
}

export function renderClaimsMarkdown(verdicts: ClaimVerdict[]): string {
  // Subjects, evidence and cell ids quote results and fixtures (failure reasons, fixture ids): the report's one escaping.
  const cell = escapeMarkdownCell;
  const lines = [
    `${verdicts.length} claims from the comparison page, checked against this run: ${tally(verdicts)}.`,
    '',
    '| Claim | Verdict | Evidence | Cells |',
    '|---|---|---|---|',
  ];
  for (const verdict of verdicts) {
    const cells = verdict.cells.map((id) => `[${cell(shortCell(id))}](#${cellAnchorId(id)})`).join('<br>') || '—';
    lines.push(
      `| **${cell(verdict.subject)}**: ${cell(verdict.claim)} <br><sub>${cell(verdict.source)} · ${markdownCodeSpan(verdict.id).replace(/\|/g, '\\|')}</sub> | ${VERDICT_MARK[verdict.verdict]} ${cell(verdict.verdict)} | ${cell(verdict.evidence)} | ${cells} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderClaimsHtml(verdicts: ClaimVerdict[], escapeHtml: Escape): string {
  const rows = verdicts.map((verdict) => {
    const cells =
      verdict.cells.map((id) => `<a href="#${escapeHtml(cellAnchorId(id))}">${escapeHtml(shortCell(id))}</a>`).join('<br>') || '—';
    return (
      `<tr id="claim-${escapeHtml(verdict.id)}" class="${VERDICT_CLASS[verdict.verdict]}">` +
      `<td><strong>${escapeHtml(verdict.subject)}</strong>: ${escapeHtml(verdict.claim)}<br><small>${escapeHtml(verdict.source)} · <code>${escapeHtml(verdict.id)}</code></small></td>` +
      `<td class="verdict">${VERDICT_MARK[verdict.verdict]} ${escapeHtml(verdict.verdict)}</td>` +
      `<td>${escapeHtml(verdict.evidence)}${verdict.rationale ? `<br><small>Check: ${escapeHtml(verdict.rationale)}</small>` : ''}</td>` +
      `<td class="cells">${cells}</td></tr>`
    );
  });
  return (
    `<p>${escapeHtml(`${verdicts.length} claims from the comparison page, checked against this run: ${tally(verdicts)}.`)}</p>` +
    `<div class="table-wrap"><table class="claims"><thead><tr><th>Claim</th><th>Verdict</th><th>Evidence</th><th>Cells</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}
