/**
 * Memory of the browser processes that do a page's work. The JS-heap figures
 * (performance.memory, CDP heap metrics) never include WebAssembly memory, so they are not
 * used. Two sources instead:
 * - procfs, for a Chromium on this machine: VmHWM of the page's renderer (and, for WebGPU,
 *   the GPU process), reset before each run through clear_refs;
 * - CDP memory-infra dumps, for a browser elsewhere (a phone over adb): the renderer's peak
 *   RSS since the previous dump where the browser can reset it, else its private footprint
 *   at the moment of the dump (a snapshot, not a peak).
 * The renderer's PID comes from a trace's TracingStartedInBrowser event: headless Chromium
 * also keeps a spare renderer, so "the renderer" is ambiguous without it.
 */
import { readFileSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { descendantPids, readProcMemory, resetPeak } from '../measure/memory.js';

interface TraceEvent {
  name?: string;
  ph?: string;
  pid?: number;
  args?: {
    name?: string;
    data?: { frames?: Array<{ processId?: number; url?: string; parent?: string }> };
    dumps?: { process_totals?: DumpTotals };
  };
}

function parseTrace(text: string): TraceEvent[] {
  const json = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(json) ? json : (json.traceEvents ?? []);
}

/** The renderer PID (in the browser's PID namespace) of the main frame whose URL starts with `urlPrefix`. */
export function rendererPidFromEvents(events: TraceEvent[], urlPrefix: string): number | null {
  for (const event of events) {
    if (event.name !== 'TracingStartedInBrowser') continue;
    const frames = event.args?.data?.frames ?? [];
    const frame = frames.find((f) => !f.parent && f.url?.startsWith(urlPrefix)) ?? frames.find((f) => f.url?.startsWith(urlPrefix));
    if (frame?.processId) return frame.processId;
  }
  return null;
}

/** Reads the page's renderer PID from a short devtools.timeline trace. */
export async function rendererPid(browser: Browser, page: Page, urlPrefix: string): Promise<number | null> {
  await browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline'] });
  const buffer = await browser.stopTracing();
  return rendererPidFromEvents(parseTrace(buffer.toString('utf8')), urlPrefix);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The GPU process among a local browser's descendants, or null. */
export function gpuProcessPid(browserPid: number): number | null {
  return descendantPids(browserPid).find((pid) => cmdline(pid).includes('--type=gpu-process')) ?? null;
}

/** Resets VmHWM of every PID given; true when all could be reset. */
export function resetPeaks(pids: number[]): boolean {
  return pids.map((pid) => resetPeak(pid)).every(Boolean);
}

/** Sum of VmHWM over the PIDs given; null when any cannot be read. */
export function sumPeaks(pids: number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const memory = readProcMemory(pid);
    if (!memory) return null;
    total += memory.peakRssBytes;
  }
  return total;
}

export interface DumpedProcess {
  privateFootprintBytes: number | null;
  /** VmHWM-like peak since the previous dump, where the browser can reset it (is_peak_rss_resettable). */
  peakRssBytes: number | null;
  peakResettable: boolean;
}

export interface MemoryInfraDump {
  /** The page's renderer (browser-side PID), from the same trace. */
  rendererPid: number | null;
  gpuPid: number | null;
  /** Every dumped process by PID. */
  processes: Record<number, DumpedProcess>;
}

interface DumpTotals {
  private_footprint_bytes?: string;
  resident_set_bytes?: string;
  peak_resident_set_size?: string;
  is_peak_rss_resettable?: boolean;
}

function hexBytes(value: string | undefined): number | null {
  if (!value) return null;
  const parsed = Number.parseInt(value, 16);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Parses a memory-infra trace into per-process figures and the page's renderer. */
export function memoryInfraFromEvents(events: TraceEvent[], urlPrefix: string): MemoryInfraDump {
  const processes: Record<number, DumpedProcess> = {};
  const names: Record<number, string> = {};
  for (const event of events) {
    if (event.ph === 'M' && event.name === 'process_name' && event.pid !== undefined && event.args?.name) names[event.pid] = event.args.name;
    if (event.ph !== 'v' || event.pid === undefined) continue;
    const totals = event.args?.dumps?.process_totals;
    if (!totals) continue;
    const previous = processes[event.pid];
    const footprint = hexBytes(totals.private_footprint_bytes) ?? hexBytes(totals.resident_set_bytes);
    const peak = hexBytes(totals.peak_resident_set_size);
    processes[event.pid] = {
      privateFootprintBytes: footprint ?? previous?.privateFootprintBytes ?? null,
      peakRssBytes: peak === null ? (previous?.peakRssBytes ?? null) : Math.max(previous?.peakRssBytes ?? 0, peak),
      peakResettable: totals.is_peak_rss_resettable === true || previous?.peakResettable === true,
    };
  }
  const gpuEntry = Object.entries(names).find(([, name]) => /^gpu/i.test(name));
  return { rendererPid: rendererPidFromEvents(events, urlPrefix), gpuPid: gpuEntry ? Number(gpuEntry[0]) : null, processes };
}

/**
 * The bytes to report for the given PIDs: the peak since the previous dump where every one
 * of them can reset its peak, otherwise the private footprint now. Null when a PID is missing.
 */
export function dumpBytes(dump: MemoryInfraDump, pids: Array<number | null>): { bytes: number | null; kind: 'peak-since-previous-dump' | 'private-footprint-snapshot' } {
  const entries = pids.filter((pid): pid is number => pid !== null).map((pid) => dump.processes[pid]);
  if (entries.length === 0 || entries.some((entry) => entry === undefined)) return { bytes: null, kind: 'private-footprint-snapshot' };
  const present = entries as DumpedProcess[];
  if (present.every((entry) => entry.peakResettable && entry.peakRssBytes !== null)) {
    return { bytes: present.reduce((total, entry) => total + (entry.peakRssBytes ?? 0), 0), kind: 'peak-since-previous-dump' };
  }
  if (present.some((entry) => entry.privateFootprintBytes === null)) return { bytes: null, kind: 'private-footprint-snapshot' };
  return { bytes: present.reduce((total, entry) => total + (entry.privateFootprintBytes ?? 0), 0), kind: 'private-footprint-snapshot' };
}

async function readStream(cdp: CDPSession, handle: string): Promise<string> {
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle, size: 1 << 20 });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle });
  return text;
}

/**
 * One memory-infra dump over CDP (works on a remote browser too). `pageSession` must be the
 * page's own CDP session: only then does the trace's TracingStartedInBrowser event list the
 * page's frames, which name its renderer. Chromium resets resettable peaks at each dump, so a
 * dump after a run gives the peak since the dump before it.
 */
export async function memoryInfraDump(pageSession: CDPSession, urlPrefix: string): Promise<MemoryInfraDump> {
  const cdp = pageSession;
  await cdp.send('Tracing.start', {
    traceConfig: {
      includedCategories: ['disabled-by-default-memory-infra', 'disabled-by-default-devtools.timeline', '__metadata'],
      excludedCategories: ['*'],
      // No periodic dumps, only the one requested below; the protocol types this object as string-valued.
      memoryDumpConfig: { triggers: [] } as unknown as Record<string, string>,
    },
    transferMode: 'ReturnAsStream',
  });
  let dumped = false;
  try {
    const result = await cdp.send('Tracing.requestMemoryDump', { deterministic: false, levelOfDetail: 'light' });
    dumped = result.success;
  } finally {
    const complete = new Promise<{ stream?: string }>((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    const { stream } = await complete;
    const text = stream ? await readStream(cdp, stream) : '{"traceEvents":[]}';
    if (dumped) return memoryInfraFromEvents(parseTrace(text), urlPrefix);
  }
  throw new Error('Tracing.requestMemoryDump did not succeed');
}
