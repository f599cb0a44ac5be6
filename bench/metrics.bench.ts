/**
 * Micro-benchmark of quality scoring: one full-suite scoring = a synthetic suite shaped like
 * the built-in one (45 OCR items with ~200-character references, 24 captions with 3
 * references and scene facts each) scored with scoreTask for both tasks. Its mean time is to
 * be compared with a run's measured inference time (budget: under 1 %).
 *
 * Run: `npx tsc -p tsconfig.json && node dist/bench/metrics.bench.js`, or call
 * benchmarkMetrics() from the CLI.
 */
import { mulberry32 } from '../src/stats/rng.js';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { scoreTask, type ScoredItem } from '../src/metrics/index.js';

export const SYNTHETIC_OCR_ITEMS = 45;
export const SYNTHETIC_CAPTION_ITEMS = 24;

const WORDS = ['invoice', 'total', 'due', 'date', 'street', 'account', 'number', 'amount', 'paid', 'receipt', 'Café', 'Straße', 'order', 'item', 'price', 'tax', '2024', '1,250.00', 'EUR', 'Nº'];
const SHAPES = ['circle', 'square', 'triangle', 'star', 'hexagon'];
const COLORS = ['red', 'blue', 'green', 'yellow', 'purple'];
const COUNT_WORDS = ['one', 'two', 'three', 'four'];

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** Perturbs a text the way a weak OCR engine does: dropped, doubled and swapped characters. */
function corrupt(text: string, next: () => number): string {
  let out = '';
  for (const character of text) {
    const roll = next();
    if (roll < 0.03) continue;
    if (roll < 0.06) out += character + character;
    else if (roll < 0.09) out += 'x';
    else out += character;
  }
  return out;
}

export function syntheticSuite(seed = 1): { ocr: ScoredItem[]; caption: ScoredItem[] } {
  const next = mulberry32(seed);
  const ocr: ScoredItem[] = [];
  for (let i = 0; i < SYNTHETIC_OCR_ITEMS; i++) {
    let reference = '';
    while (reference.length < 200) reference += pick(WORDS, next) + (next() < 0.15 ? '\n' : ' ');
    reference = reference.trim();
    ocr.push({ fixtureId: `ocr-${i}`, output: corrupt(reference, next), references: [reference], category: 'document' });
  }
  const caption: ScoredItem[] = [];
  for (let i = 0; i < SYNTHETIC_CAPTION_ITEMS; i++) {
    const facts = [0, 1].map(() => {
      const count = 1 + Math.floor(next() * COUNT_WORDS.length);
      return { shape: pick(SHAPES, next), color: pick(COLORS, next), count };
    });
    const phrase = (fact: { shape: string; color: string; count: number }) =>
      fact.count === 1 ? `a ${fact.color} ${fact.shape}` : `${COUNT_WORDS[fact.count - 1]} ${fact.color} ${fact.shape}s`;
    const [first, second] = facts as [(typeof facts)[0], (typeof facts)[0]];
    const references = [
      `${phrase(first)} and ${phrase(second)} on a white background.`,
      `An image showing ${phrase(second)} next to ${phrase(first)}.`,
      `There are ${phrase(first)} and ${phrase(second)}.`,
    ];
    const output = next() < 0.5 ? `The image shows ${phrase(first)} and some ${second.shape}s.` : `${phrase(second)} and ${phrase(first)}.`;
    caption.push({ fixtureId: `caption-${i}`, output, references, facts, category: 'scene' });
  }
  return { ocr, caption };
}

export function scoreSyntheticSuite(suite: { ocr: ScoredItem[]; caption: ScoredItem[] }): void {
  scoreTask('ocr', suite.ocr);
  scoreTask('caption', suite.caption);
}

export interface MetricsBenchmark {
  /** Mean wall time of one full-suite scoring, in milliseconds. */
  meanMs: number;
  samples: number;
}

/**
 * Times full-suite scoring. Sampling stops once both `timeMs` and `iterations` are reached
 * (tinybench's sequential rule), so the defaults take about a second on a quiet machine.
 */
export async function benchmarkMetrics(options: { timeMs?: number; iterations?: number } = {}): Promise<MetricsBenchmark> {
  const suite = syntheticSuite();
  const bench = new Bench({
    name: 'quality metrics',
    time: options.timeMs ?? 500,
    iterations: options.iterations ?? 10,
    warmupTime: 100,
    warmupIterations: 3,
  });
  bench.add('score full synthetic suite', () => scoreSyntheticSuite(suite));
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (result === undefined || !('latency' in result)) throw new Error(`metrics benchmark did not complete (state: ${result?.state ?? 'missing'})`);
  return { meanMs: result.latency.mean, samples: result.latency.samplesCount };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const { meanMs, samples } = await benchmarkMetrics();
  console.log(
    `quality metrics: ${meanMs.toFixed(2)} ms per full-suite scoring (${SYNTHETIC_OCR_ITEMS} OCR + ${SYNTHETIC_CAPTION_ITEMS} caption items), ${samples} samples`,
  );
}
