/**
 * The audit of one engine host (engine × model × target): its own namespace and capture, for
 * as long as the host lives (restarts included), and the bookkeeping that turns capture times
 * into per-cell records.
 *
 * Why one namespace per host, not one for the whole run: the capture cannot tell processes
 * apart, but a namespace holds only the processes started in it. With one per host, every
 * attempt belongs to that host's tree (the host, QVAC's Bare worker, or Chromium and its
 * helpers), so engines are never confused with each other or with vlmbench itself. Within a
 * host, time decides the cell: the orchestrator talks to a host one request at a time, so an
 * attempt between the end of one cell and the end of the next is the next cell's, and one
 * inside a load window (spawn to loaded) is that load's.
 */
import { readFileSync } from 'node:fs';
import { descendantPids } from '../memory.js';
import type { CellNetwork, NetworkAttempt } from '../../results/schema.js';
import { attemptsOf, groupAttempts, type RawAttempt, type ReportedAttempt } from './attempts.js';
import { CAPTURE_FILTER, type NamespaceCapture } from './namespace.js';
import type { Packet } from './pcap.js';

/** How long a cell waits for the capture to write what the kernel already stamped (tcpdump runs in immediate mode). */
export const SETTLE_MS = 200;

/** A request the engine saw its page make (CDP), with the host's wall-clock time. */
export interface PageRequest {
  url: string;
  timeMs: number;
}

export type HostAuditMode = { kind: 'namespace'; capture: NamespaceCapture } | { kind: 'attached' } | { kind: 'unavailable'; reason: string };

export interface HostAuditInfo {
  /** URLs vlmbench's downloader fetched for this host's model before the run (none when cached). */
  downloads: string[];
  /** Set when the model comes from an engine's registry: load attempts are then its download, expected. */
  registrySource: string | null;
  /** Browser targets: whether vlmbench launches the browser. */
  browser: 'launched' | 'attached' | null;
}

/** What stays at the host level once its cells are recorded. */
export interface HostAuditRecord {
  mode: HostAuditMode['kind'];
  pcap?: string;
  processes: string[];
  /** Attempts after the host's last cell (unload, shutdown). */
  afterLastCell: NetworkAttempt[];
  /** Attempts the capture delivered after their cell had been recorded (the machine was too busy for SETTLE_MS). */
  late: NetworkAttempt[];
}

export function namespaceMethod(ipv6: boolean): string {
  return (
    `the engine host ran in its own network namespace (unshare -n) in which every ${ipv6 ? 'IPv4 and IPv6' : 'IPv4 (the namespace has no IPv6, so an IPv6 attempt fails before sending)'} ` +
    `destination is routed to lo and refused; tcpdump on lo recorded every DNS query, TCP SYN and UDP datagram (filter: ${CAPTURE_FILTER}); ` +
    'attempts are given to the load or the cell by capture time. A capture cannot name a process: the namespace held only this host\'s process tree (processes).'
  );
}

export const ATTACHED_METHOD =
  'the browser was attached over CDP: vlmbench did not launch it, so no namespace or capture covers it. Listed are the requests of the page vlmbench opened ' +
  'to anything but vlmbench\'s local server, as CDP reported them; the browser\'s own background traffic and its other tabs are outside this view.';

const DOWNLOADER = 'vlmbench\'s downloader, before the engine host started (outside the namespace)';

function processName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** A page request as an attempt: the URL's scheme, host and port. */
export function pageAttempt(request: PageRequest): ReportedAttempt | null {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return null;
  }
  if (!url.hostname) return null;
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443, 'ftp:': 21 };
  const port = url.port ? Number(url.port) : (defaults[url.protocol] ?? null);
  return { timeMs: request.timeMs, protocol: url.protocol.replace(/:$/, ''), address: null, port, name: url.hostname.replace(/^\[|\]$/g, ''), packets: 0 };
}

export class HostAudit {
  private readonly loads: Array<{ start: number; end: number | null }> = [];
  /** End of the last recorded cell's window (capture time, ms). */
  private boundary = 0;
  private readonly packets: Packet[] = [];
  private readonly pageRequests: ReportedAttempt[] = [];
  private readonly assigned = new Set<string>();
  private readonly late: RawAttempt[] = [];
  private loadedSinceLastCell = false;
  private downloadsRecorded = false;
  private readonly names = new Set<string>();
  private readonly pids = new Set<number>();
  private hostPid: number | null = null;
  /** Set when the capture file could not be read: from then on the cells are unavailable, with this reason. */
  private captureError: string | null = null;

  constructor(
    readonly mode: HostAuditMode,
    private readonly info: HostAuditInfo,
  ) {}

  /** How to start the host inside the namespace; undefined: start it as usual. */
  launcher(): ((command: string, args: string[]) => { command: string; args: string[] }) | undefined {
    const { mode } = this;
    return mode.kind === 'namespace' ? (command, args) => mode.capture.wrap(command, args) : undefined;
  }

  loadStarted(now = Date.now()): void {
    this.loads.push({ start: now, end: null });
    this.loadedSinceLastCell = true;
  }

  loadFinished(pid: number | null, now = Date.now()): void {
    const last = this.loads[this.loads.length - 1];
    if (last && last.end === null) last.end = now;
    this.snapshot(pid);
  }

  /** Requests the engine reported its page made (attached browsers). */
  notePageRequests(requests: PageRequest[] | undefined): void {
    for (const request of requests ?? []) {
      const attempt = pageAttempt(request);
      if (attempt) this.pageRequests.push(attempt);
    }
  }

  private snapshot(pid: number | null): void {
    if (pid === null || pid < 0) return;
    this.hostPid = pid;
    for (const one of [pid, ...descendantPids(pid)]) {
      const name = processName(one);
      if (name === null) continue;
      this.pids.add(one);
      this.names.add(name);
    }
  }

  private phaseOf(timeMs: number): NetworkAttempt['phase'] {
    return this.loads.some((load) => timeMs >= load.start && (load.end === null || timeMs <= load.end)) ? 'load' : 'run';
  }

  private windowStart(phase: NetworkAttempt['phase'], timeMs: number): number | undefined {
    if (phase === 'download') return undefined;
    const load = [...this.loads].reverse().find((one) => one.start <= timeMs);
    if (phase === 'load') return load?.start;
    return Math.max(this.boundary, load?.end ?? 0);
  }

  private by(): string | undefined {
    if (this.mode.kind === 'attached') return 'the page vlmbench opened in the attached browser';
    if (this.pids.size === 1 && this.hostPid !== null && this.pids.has(this.hostPid)) return `${[...this.names][0]} (the engine host, pid ${this.hostPid}: the only process seen in the namespace)`;
    return undefined;
  }

  private group(attempts: Array<RawAttempt | ReportedAttempt>, windowStart: (phase: NetworkAttempt['phase'], timeMs: number) => number | undefined): NetworkAttempt[] {
    const by = this.by();
    return groupAttempts(attempts, (timeMs) => this.phaseOf(timeMs), windowStart, (phase) => ({
      // A capture cannot tell a registry download from the registry lookup of a cached copy: the wording says both.
      ...(phase === 'load' && this.info.registrySource ? { expected: `model download from ${this.info.registrySource}, or its lookup of a cached copy` } : {}),
      ...(by ? { by } : {}),
    }));
  }

  /** Every attempt so far that no cell has been given, split at `until`. */
  private takeUntil(until: number): Array<RawAttempt | ReportedAttempt> {
    if (this.mode.kind === 'namespace' && this.captureError === null) {
      try {
        this.packets.push(...this.mode.capture.readNew());
      } catch (error) {
        this.captureError = `the capture ${this.mode.capture.pcapPath} could not be read: ${(error as Error).message}`;
      }
    }
    const all: Array<RawAttempt | ReportedAttempt> = [...attemptsOf(this.packets), ...this.pageRequests];
    const taken: Array<RawAttempt | ReportedAttempt> = [];
    for (const attempt of all) {
      const key = `${attempt.timeMs}|${attempt.protocol}|${attempt.address}|${attempt.port}|${attempt.name ?? ''}|${attempt.queryType ?? ''}`;
      if (this.assigned.has(key) || attempt.timeMs > until) continue;
      this.assigned.add(key);
      if (attempt.timeMs <= this.boundary && attempt.address !== null) this.late.push(attempt as RawAttempt);
      else taken.push(attempt);
    }
    return taken;
  }

  /** The record of the cell that has just finished (its load's attempts too, when it is the first since a load). */
  async cellFinished(pid: number | null): Promise<CellNetwork> {
    const now = Date.now();
    if (this.mode.kind === 'unavailable') return { status: 'unavailable', reason: this.mode.reason, method: 'not measured', loadShared: false, attempts: [] };
    if (this.mode.kind === 'namespace') await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    this.snapshot(pid ?? this.hostPid);
    const taken = this.takeUntil(now);
    if (this.captureError !== null) return { status: 'unavailable', reason: this.captureError, method: 'not measured', loadShared: false, attempts: [] };
    const attempts = this.group(taken, (phase, timeMs) => this.windowStart(phase, timeMs));
    if (!this.downloadsRecorded) {
      this.downloadsRecorded = true;
      const downloads = this.info.downloads.map((url) => pageAttempt({ url, timeMs: 0 })).filter((one): one is ReportedAttempt => one !== null);
      attempts.unshift(
        ...groupAttempts(downloads, () => 'download', () => undefined, () => ({ expected: 'model download from the Hugging Face hub', by: DOWNLOADER })),
      );
    }
    const record: CellNetwork = {
      status: 'measured',
      method: this.mode.kind === 'namespace' ? namespaceMethod(this.mode.capture.ipv6) : ATTACHED_METHOD,
      ...(this.info.browser ? { launchedByVlmbench: this.info.browser === 'launched' } : {}),
      ...(this.mode.kind === 'namespace' ? { processes: [...this.names].sort() } : {}),
      loadShared: !this.loadedSinceLastCell,
      attempts,
    };
    this.loadedSinceLastCell = false;
    this.boundary = now;
    return record;
  }

  /** Ends the capture; gives what came after the last cell and anything that arrived too late. */
  async finish(): Promise<HostAuditRecord> {
    if (this.mode.kind === 'namespace') await this.mode.capture.stop();
    const rest = this.mode.kind === 'unavailable' ? [] : this.takeUntil(Number.POSITIVE_INFINITY);
    return {
      mode: this.mode.kind,
      ...(this.mode.kind === 'namespace' ? { pcap: this.mode.capture.pcapPath } : {}),
      processes: [...this.names].sort(),
      afterLastCell: this.group(rest, (phase, timeMs) => this.windowStart(phase, timeMs)),
      late: this.group(this.late, () => undefined),
    };
  }
}
