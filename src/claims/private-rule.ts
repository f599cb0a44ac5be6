/**
 * The `private` rule: a privacy claim ("runs locally without the cloud", "never phones home,
 * works offline once cached") decided from two measurements together:
 * - it works with no network (the `offline` rule's verdict over runs recorded as offline), and
 * - with a network present it attempted nothing (cells audited by run --network-audit).
 *
 * Supported needs both; an attempt the claim excludes contradicts it, with the destinations
 * named. A registry or hub model download is expected and never contradicts: it is listed apart.
 * Kept apart from rules.ts (which calls it) and typed structurally, so neither imports the other.
 */
import { describeAttempt } from '../measure/network-audit/attempts.js';
import { RunNetworkAuditSchema } from '../measure/network-audit/auditor.js';
import type { Cell, NetworkAttempt, Results } from '../results/schema.js';

export interface PrivateOutcome {
  verdict: 'supported' | 'contradicted' | 'partly supported' | 'not measured in this run';
  evidence: string;
  figures: Record<string, number | string | boolean | null>;
  cells: string[];
}

interface SelectedCell {
  cell: Cell;
  run: Results;
  id: string;
}

const MAX_CELLS = 12;
const MAX_DESTINATIONS = 6;

const AUDIT_HOW = 'a run with the network present, audited: run --network-audit (root, tcpdump)';

function isFinding(attempt: NetworkAttempt): boolean {
  return attempt.phase !== 'download' && attempt.expected === undefined;
}

function listed(attempts: NetworkAttempt[]): string {
  const names = [...new Set(attempts.map(describeAttempt))];
  return names.slice(0, MAX_DESTINATIONS).join('; ') + (names.length > MAX_DESTINATIONS ? `; and ${names.length - MAX_DESTINATIONS} more` : '');
}

/** Attempts after a host's last cell (its unload) belong to the same engine: they count too. */
function afterLastCells(selected: SelectedCell[]): NetworkAttempt[] {
  const out: NetworkAttempt[] = [];
  for (const run of new Set(selected.map((entry) => entry.run))) {
    const audit = RunNetworkAuditSchema.safeParse(run.extra?.networkAudit);
    if (!audit.success) continue;
    const keys = new Set(selected.filter((entry) => entry.run === run).map(({ cell }) => [cell.key.engine, cell.key.model, cell.key.quant, cell.key.target].join('|')));
    for (const host of audit.data.hosts) if (keys.has([host.engine, host.model, host.quant, host.target].join('|'))) out.push(...host.afterLastCell);
  }
  return out;
}

export function privateRule(offline: { verdict: string; evidence: string; cells: string[] }, selected: SelectedCell[], measureWith: string): PrivateOutcome {
  // A cell whose engine declined the target never loaded: it says nothing about what the engine attempts.
  const audited = selected.filter((entry) => entry.cell.network !== undefined && entry.cell.status !== 'unavailable');
  const measured = audited.filter((entry) => entry.cell.network?.status === 'measured');
  const found = measured.flatMap((entry) => entry.cell.network?.attempts ?? []);
  const findings = [...found, ...afterLastCells(measured)].filter(isFinding);
  const downloads = found.filter((attempt) => !isFinding(attempt));
  const attached = measured.filter((entry) => entry.cell.network?.launchedByVlmbench === false).length;
  const figures = {
    offline: offline.verdict,
    auditedCells: measured.length,
    attempts: findings.reduce((sum, attempt) => sum + attempt.count, 0),
    expectedDownloads: downloads.reduce((sum, attempt) => sum + attempt.count, 0),
  };
  const ids = (entries: SelectedCell[]) => [...new Set(entries.map((entry) => entry.id))].slice(0, MAX_CELLS);

  if (findings.length > 0) {
    const during = (phase: NetworkAttempt['phase']) => findings.filter((attempt) => attempt.phase === phase);
    const parts = [during('load').length > 0 ? `during load: ${listed(during('load'))}` : '', during('run').length > 0 ? `during inference: ${listed(during('run'))}` : ''].filter(Boolean);
    const withAttempts = measured.filter((entry) => (entry.cell.network?.attempts ?? []).some(isFinding));
    return {
      verdict: 'contradicted',
      evidence: `with the network present it attempted contact that the claim excludes (${parts.join('; ') || listed(findings)}), in ${withAttempts.length || measured.length} audited cell(s)`,
      figures,
      cells: ids(withAttempts.length > 0 ? withAttempts : measured),
    };
  }
  if (offline.verdict === 'contradicted') return { verdict: 'contradicted', evidence: offline.evidence, figures, cells: offline.cells };

  const quiet =
    measured.length > 0
      ? `with the network present it attempted nothing in ${measured.length} audited cell(s)${attached > 0 ? ` (${attached} in a browser vlmbench did not launch, attached over CDP: only its page's requests were seen)` : ''}` +
        (downloads.length > 0 ? `; expected model downloads, listed apart: ${listed(downloads)}` : '')
      : null;
  const offlineOk = offline.verdict === 'supported' ? `it works with no network: ${offline.evidence}` : null;
  if (quiet && offlineOk) return { verdict: 'supported', evidence: `${offlineOk}; ${quiet}`, figures, cells: [...new Set([...offline.cells, ...ids(measured)])].slice(0, MAX_CELLS) };

  const unavailable = audited.find((entry) => entry.cell.network?.status === 'unavailable')?.cell.network?.reason;
  const noAudit = unavailable ? `the network audit was unavailable (${unavailable})` : 'no cell was audited with the network present';
  if (offlineOk) return { verdict: 'partly supported', evidence: `${offlineOk}; but ${noAudit}. To measure the rest: ${AUDIT_HOW}`, figures, cells: offline.cells };
  if (quiet) return { verdict: 'partly supported', evidence: `${quiet}; but it was not run with no network (${offline.evidence})`, figures, cells: ids(measured) };
  return { verdict: 'not measured in this run', evidence: `${offline.evidence.replace(/\. To measure it: .*$/, '')}, and ${noAudit}. To measure it: ${measureWith}`, figures, cells: [] };
}
