/**
 * Memory bandwidth, STREAM-style: the triad a[i] = b[i] + s·c[i] (and STREAM's copy) over
 * float64 arrays far larger than the last-level cache, split across one worker thread per
 * core. Each figure is the best round's bytes moved / seconds, as STREAM reports it (write
 * allocation traffic is not counted). It is the ceiling the roofline compares decode with.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface BandwidthOptions {
  /** Elements per array (default: 4× the last-level cache or 32 Mi elements, whichever is more, in float64). */
  elements?: number;
  /** Worker threads (default: all logical cores the process may use). */
  threads?: number;
  /** Timed rounds; the best one is reported (default 10). */
  rounds?: number;
}

export interface BandwidthResult {
  /** The ceiling: the better of the triad's and the copy's best rounds, GB/s (10^9 bytes). */
  bestGBps: number;
  /** Best triad round (a = b + s·c, 24 bytes per element), GB/s. */
  triadGBps: number;
  /** Best copy round (c = a as native memcpy, 16 bytes per element), GB/s. */
  copyGBps: number;
  /** Median triad round, GB/s. */
  medianGBps: number;
  threads: number;
  elements: number;
  arrayBytes: number;
  rounds: number;
  /** Last-level cache size the array size was chosen against, when the OS tells it. */
  llcBytes: number | null;
  /** sum(a) after the last round; equals `expectedChecksum` when every element was computed. */
  checksum: number;
  expectedChecksum: number;
  method: string;
  measuredAt: string;
}

const B_VALUE = 1;
const C_VALUE = 2;
const SCALAR = 3;
const BYTES_PER_ELEMENT_PER_ROUND = 3 * 8;
const COPY_BYTES_PER_ELEMENT = 2 * 8;

/** Largest cache the kernel reports for cpu0, in bytes. */
export function lastLevelCacheBytes(): number | null {
  let best: number | null = null;
  for (let index = 0; index < 8; index++) {
    try {
      const raw = readFileSync(`/sys/devices/system/cpu/cpu0/cache/index${index}/size`, 'utf8').trim();
      const match = /^(\d+)([KMG]?)$/.exec(raw);
      if (!match) continue;
      const unit = match[2] === 'G' ? 1 << 30 : match[2] === 'M' ? 1 << 20 : match[2] === 'K' ? 1 << 10 : 1;
      const bytes = Number(match[1]) * unit;
      if (best === null || bytes > best) best = bytes;
    } catch {
      // Not every index exists; a VM may expose none.
    }
  }
  return best;
}

// The worker runs the triad over its slice of the shared arrays each time it is told to.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { a, b, c, start, end, scalar } = workerData;
const A = new Float64Array(a), B = new Float64Array(b), C = new Float64Array(c);
for (let i = start; i < end; i++) { B[i] = ${B_VALUE}; C[i] = ${C_VALUE}; A[i] = 0; }
parentPort.postMessage('ready');
parentPort.on('message', (message) => {
  if (message === 'copy') { C.set(A.subarray(start, end), start); parentPort.postMessage('done'); return; }
  for (let i = start; i < end; i++) A[i] = B[i] + scalar * C[i];
  parentPort.postMessage('done');
});
`;

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      worker.off('error', onError);
      resolve(message);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

export async function measureBandwidth(options: BandwidthOptions = {}): Promise<BandwidthResult> {
  const llcBytes = lastLevelCacheBytes();
  const elements = options.elements ?? Math.max(32 * 1024 * 1024, Math.ceil(((llcBytes ?? 0) * 4) / 8));
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const rounds = Math.max(1, options.rounds ?? 10);
  const buffers = [0, 1, 2].map(() => new SharedArrayBuffer(elements * 8));
  const [a, b, c] = buffers as [SharedArrayBuffer, SharedArrayBuffer, SharedArrayBuffer];
  const per = Math.ceil(elements / threads);
  const workers: Worker[] = [];
  try {
    for (let t = 0; t < threads; t++) {
      const start = Math.min(elements, t * per);
      const end = Math.min(elements, start + per);
      workers.push(new Worker(WORKER_SOURCE, { eval: true, workerData: { a, b, c, start, end, scalar: SCALAR } }));
    }
    await Promise.all(workers.map((worker) => nextMessage(worker)));
    const runRound = async (kernel: 'triad' | 'copy' = 'triad'): Promise<number> => {
      const started = performance.now();
      const done = workers.map((worker) => nextMessage(worker));
      for (const worker of workers) worker.postMessage(kernel);
      await Promise.all(done);
      return (performance.now() - started) / 1000;
    };
    await runRound(); // first touch and JIT warm-up, not counted
    const seconds: number[] = [];
    for (let round = 0; round < rounds; round++) seconds.push(await runRound());
    const rates = seconds.map((s) => (BYTES_PER_ELEMENT_PER_ROUND * elements) / s / 1e9).sort((x, y) => x - y);
    const arrayA = new Float64Array(a);
    let checksum = 0;
    for (let i = 0; i < elements; i++) checksum += arrayA[i] ?? 0;
    // STREAM's copy kernel (c = a) runs as native memcpy, which V8's scalar triad loop cannot
    // match on wide-vector CPUs; it runs after the checksum, which it leaves untouched.
    const copySeconds: number[] = [];
    for (let round = 0; round < rounds; round++) copySeconds.push(await runRound('copy'));
    const copyRates = copySeconds.map((s) => (COPY_BYTES_PER_ELEMENT * elements) / s / 1e9).sort((x, y) => x - y);
    const triadBest = rates[rates.length - 1] ?? 0;
    const copyBest = copyRates[copyRates.length - 1] ?? 0;
    return {
      bestGBps: Math.max(triadBest, copyBest),
      triadGBps: triadBest,
      copyGBps: copyBest,
      medianGBps: rates[Math.floor(rates.length / 2)] ?? 0,
      threads,
      elements,
      arrayBytes: elements * 8,
      rounds,
      llcBytes,
      checksum,
      expectedChecksum: elements * (B_VALUE + SCALAR * C_VALUE),
      method: `STREAM-style triad a=b+s*c (24 bytes/element) and copy c=a (16 bytes/element, native memcpy), float64, 3 arrays × ${((elements * 8) / 1e6).toFixed(0)} MB, ${threads} worker threads, best of ${rounds} rounds each; the ceiling is the better kernel`,
      measuredAt: new Date().toISOString(),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
