/**
 * The report's Network section (Markdown and HTML) and summary.json's `network`: per engine,
 * model and target, what run --network-audit saw attempted during load and during inference,
 * with destination names, or "none attempted". Model downloads are listed apart: they are
 * expected. Computed from the results themselves, so any results file can be re-reported.
 */
import { describeAttempt } from '../measure/network-audit/attempts.js';
import { RunNetworkAuditSchema, type RunNetworkAudit } from '../measure/network-audit/auditor.js';
import type { NetworkAttempt, Results } from '../results/schema.js';

type Escape = (value: unknown) => string;

export const NOT_AUDITED = 'Not audited in this run. To measure what each engine tries to reach: vlmbench run --network-audit (as root, with tcpdump installed; see README).';

export interface NetworkRow {
  runId: string;
  engine: string;
  model: string;
  quant: string;
  target: string;
  /** measured when every cell was, unavailable when none was, partly measured otherwise. */
  status: 'measured' | 'unavailable' | 'partly measured';
  reason?: string;
  /** Browser targets: whether vlmbench launched the browser (false: attached over CDP). */
  launchedByVlmbench?: boolean;
  processes: string[];
  cells: number;
  load: NetworkAttempt[];
  /** The cells' runs, and anything after the host's last run (its unload). */
  inference: NetworkAttempt[];
  /** Expected attempts: registry or hub model downloads. */
  downloads: NetworkAttempt[];
}

export interface NetworkView {
  audited: boolean;
  rows: NetworkRow[];
  /** Attempts the capture delivered too late to be given to their cell (counted in no row). */
  late: number;
}

/** Sums attempts to the same destination across cells. */
function merge(attempts: NetworkAttempt[]): NetworkAttempt[] {
  const out = new Map<string, NetworkAttempt>();
  for (const attempt of attempts) {
    const key = [attempt.protocol, attempt.address, attempt.port, attempt.name ?? '', attempt.expected ?? ''].join('|');
    const seen = out.get(key);
    if (!seen) {
      out.set(key, { ...attempt, ...(attempt.queryTypes ? { queryTypes: [...attempt.queryTypes] } : {}) });
      continue;
    }
    seen.count += attempt.count;
    seen.packets += attempt.packets;
    for (const type of attempt.queryTypes ?? []) if (!seen.queryTypes?.includes(type)) seen.queryTypes = [...(seen.queryTypes ?? []), type];
  }
  return [...out.values()];
}

function runAudit(results: Results): RunNetworkAudit | null {
  const parsed = RunNetworkAuditSchema.safeParse(results.extra?.networkAudit);
  return parsed.success ? parsed.data : null;
}

export function networkView(runs: Results[]): NetworkView {
  const rows: NetworkRow[] = [];
  let late = 0;
  for (const results of runs) {
    const audit = runAudit(results);
    late += audit?.hosts.reduce((sum, host) => sum + host.late.reduce((n, attempt) => n + attempt.count, 0), 0) ?? 0;
    const groups = new Map<string, Results['cells']>();
    for (const cell of results.cells) {
      if (!cell.network) continue;
      const key = [cell.key.engine, cell.key.model, cell.key.quant, cell.key.target].join('|');
      groups.set(key, [...(groups.get(key) ?? []), cell]);
    }
    for (const cells of groups.values()) {
      const { engine, model, quant, target } = (cells[0] as Results['cells'][number]).key;
      const records = cells.map((cell) => cell.network).filter((record) => record !== undefined);
      // An engine that declined the target never loaded: "none attempted" would say more than was measured.
      if (cells.every((cell) => cell.status === 'unavailable') && records.every((record) => record.attempts.length === 0)) continue;
      const measured = records.filter((record) => record.status === 'measured');
      const attempts = measured.flatMap((record) => record.attempts);
      const host = audit?.hosts.find((one) => one.engine === engine && one.model === model && one.quant === quant && one.target === target);
      const after = host?.afterLastCell ?? [];
      const isDownload = (a: NetworkAttempt) => a.phase === 'download' || a.expected !== undefined;
      const launched = records.find((record) => record.launchedByVlmbench !== undefined)?.launchedByVlmbench;
      rows.push({
        runId: results.run.id,
        engine,
        model,
        quant,
        target,
        status: measured.length === records.length ? 'measured' : measured.length === 0 ? 'unavailable' : 'partly measured',
        ...(measured.length < records.length ? { reason: records.find((record) => record.status === 'unavailable')?.reason ?? 'not measured' } : {}),
        ...(launched !== undefined ? { launchedByVlmbench: launched } : {}),
        processes: [...new Set(measured.flatMap((record) => record.processes ?? []))].sort(),
        cells: cells.length,
        load: merge(attempts.filter((a) => a.phase === 'load' && !isDownload(a))),
        inference: merge([...attempts, ...after].filter((a) => a.phase === 'run' && !isDownload(a))),
        downloads: merge([...attempts, ...after].filter(isDownload)),
      });
    }
  }
  return { audited: rows.length > 0, rows, late };
}

function attemptsText(attempts: NetworkAttempt[], emptyText: string): string {
  return attempts.length === 0 ? emptyText : attempts.map(describeAttempt).join('; ');
}

function how(row: NetworkRow): string {
  if (row.launchedByVlmbench === false) return 'browser attached over CDP, not launched by vlmbench: only its page\'s requests are seen';
  const parts = ['own namespace, every destination refused, tcpdump'];
  if (row.launchedByVlmbench) parts.push('Chromium launched by vlmbench');
  if (row.processes.length > 0) parts.push(`processes: ${row.processes.join(', ')}`);
  return parts.join('; ');
}

function cellsOf(row: NetworkRow): [string, string, string] {
  if (row.status === 'unavailable') {
    const why = `not measured: ${row.reason ?? 'unavailable'}`;
    return [why, why, '—'];
  }
  return [attemptsText(row.load, 'none attempted'), attemptsText(row.inference, 'none attempted'), attemptsText(row.downloads, 'none')];
}

const HEADERS = ['Engine', 'Model', 'Target', 'During load', 'During inference', 'Model downloads (expected)', 'How it was observed'];

function tableRows(view: NetworkView, escape: Escape): string[][] {
  const multiRun = new Set(view.rows.map((row) => row.runId)).size > 1;
  return view.rows.map((row) => [
    escape(row.engine),
    escape(`${row.model} ${row.quant}`),
    escape(row.target),
    ...cellsOf(row).map(escape),
    escape(`${how(row)}${row.status === 'partly measured' ? ` (some cells not measured: ${row.reason})` : ''}${multiRun ? ` (run ${row.runId})` : ''}`),
  ]);
}

const LEAD =
  'What each engine tried to reach with a network present (run --network-audit). Every destination was routed to loopback and refused there, so nothing left the machine; ' +
  'each DNS query, TCP connection and UDP flow was recorded with its destination and the name asked for.';

function lateNote(view: NetworkView): string {
  return view.late > 0 ? ` ${view.late} attempt(s) reached the capture after their cell was recorded (a busy machine); they are in results.json under extra.networkAudit.hosts[].late.` : '';
}

export function networkMarkdown(view: NetworkView, escape: Escape): string {
  if (!view.audited) return escape(NOT_AUDITED);
  const rows = tableRows(view, escape);
  return [
    `${escape(LEAD)}${escape(lateNote(view))}`,
    '',
    [`| ${HEADERS.join(' | ')} |`, `| ${HEADERS.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n'),
  ].join('\n');
}

export function networkHtml(view: NetworkView, escape: Escape): string {
  if (!view.audited) return `<p>${escape(NOT_AUDITED)}</p>`;
  const head = HEADERS.map((header) => `<th scope="col">${escape(header)}</th>`).join('');
  const body = tableRows(view, escape)
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('');
  return `<p>${escape(LEAD)}${escape(lateNote(view))}</p><div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** summary.json's `network`: one entry per engine, model and target. */
export function networkForSummary(view: NetworkView): Array<{
  runId: string;
  engine: string;
  model: string;
  quant: string;
  target: string;
  status: NetworkRow['status'];
  reason?: string;
  launchedByVlmbench?: boolean;
  load: { attempts: number; destinations: string[] };
  inference: { attempts: number; destinations: string[] };
  downloads: { attempts: number; destinations: string[] };
}> {
  const figures = (attempts: NetworkAttempt[]) => ({ attempts: attempts.reduce((sum, a) => sum + a.count, 0), destinations: attempts.map(describeAttempt) });
  return view.rows.map((row) => ({
    runId: row.runId,
    engine: row.engine,
    model: row.model,
    quant: row.quant,
    target: row.target,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.launchedByVlmbench !== undefined ? { launchedByVlmbench: row.launchedByVlmbench } : {}),
    load: figures(row.load),
    inference: figures(row.inference),
    downloads: figures(row.downloads),
  }));
}
