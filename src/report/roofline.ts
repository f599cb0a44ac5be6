/**
 * The decode roofline. Generating one token streams every text-decoder weight through the
 * CPU once (all layers plus the output head; only one embedding row), so
 *
 *   achieved GB/s = weight bytes per token × decode tokens/s,  share = achieved / ceiling,
 *
 * where the ceiling is this machine's measured memory bandwidth (src/measure/bandwidth.ts,
 * recorded as environment.extra.memoryBandwidth). The KV cache and activations are left out:
 * for the short prompts here they are a few percent of the weights, so the share is a floor.
 *
 * "Plausibly compute-bound": a decode that reaches less than COMPUTE_BOUND_SHARE of the
 * ceiling is not limited by streaming weights; something else — arithmetic (dequantisation,
 * int8 GEMV), thread synchronisation or per-token framework overhead — sets its pace. The
 * report says "plausibly", because a low share alone cannot tell compute from overhead.
 */
import { escapeMarkdownCell as cell } from './escape.js';
import type { ModelRecord, Results } from '../results/schema.js';
import type { SmolVlmSpec } from '../models/tiny/smolvlm-spec.js';
import { SMOLVLM2_256M_SHAPE_SPEC, SMOLVLM2_500M_SHAPE_SPEC, SHAPE_VOCAB_SIZE } from '../models/shape/specs.js';

/** Below this share of the bandwidth ceiling, decode is called plausibly compute-bound. */
export const COMPUTE_BOUND_SHARE = 0.3;

/** Bytes one weight occupies per quantisation (block scales included). */
export function bytesPerWeight(quant: string): number | null {
  switch (quant.toLowerCase()) {
    case 'fp32':
    case 'f32':
      return 4;
    case 'fp16':
    case 'f16':
    case 'bf16':
      return 2;
    case 'q8':
    case 'int8':
    case 'uint8':
      return 1;
    case 'q8_0':
      return 34 / 32;
    case 'q4_0':
      return 18 / 32;
    case 'q4':
    case 'bnb4':
    case 'q4f16':
      return 0.5 + 2 / 32;
    default:
      return null;
  }
}

export interface TextWeightBytes {
  /** Matrices read once per token: every layer's projections and the output head. */
  matrices: number;
  /** fp32 norm vectors, read once per token. */
  norms: number;
  /** One row of the embedding table. */
  embeddingRow: number;
  total: number;
}

/** Weight bytes a llama-like decoder reads to produce one token, from its dimensions. */
export function textWeightBytesPerToken(spec: SmolVlmSpec, quant: string, vocabSize = SHAPE_VOCAB_SIZE): TextWeightBytes {
  const perWeight = bytesPerWeight(quant);
  if (perWeight === null) throw new Error(`no bytes-per-weight figure for quantisation "${quant}"`);
  const { hidden, ffn, layers, kvHeads, headDim } = spec.text;
  const kvWidth = kvHeads * headDim;
  const perLayer = 2 * hidden * hidden + 2 * hidden * kvWidth + 3 * hidden * ffn;
  const matrixWeights = layers * perLayer + vocabSize * hidden;
  const matrices = matrixWeights * perWeight;
  const norms = (2 * layers + 1) * hidden * 4;
  const embeddingRow = hidden * perWeight;
  return { matrices, norms, embeddingRow, total: matrices + norms + embeddingRow };
}

/** The real or shape-faithful SmolVLM2 model a catalog id stands for, when one does. */
export function specForModel(modelId: string): SmolVlmSpec | null {
  if (/500m/i.test(modelId)) return SMOLVLM2_500M_SHAPE_SPEC;
  if (/256m/i.test(modelId)) return SMOLVLM2_256M_SHAPE_SPEC;
  return null;
}

export interface WeightBytesEstimate {
  bytes: number;
  source: string;
}

/**
 * Bytes per token from the model's files where they isolate the decoder (ONNX's
 * decoder_model_merged), else from the text GGUF minus its embedding table (dims known),
 * else from the dimensions alone.
 */
export function weightBytesPerToken(model: Pick<ModelRecord, 'id' | 'quant' | 'files'>): WeightBytesEstimate | null {
  const spec = specForModel(model.id);
  const decoder = model.files.find((file) => /decoder_model_merged[^/]*\.onnx$/.test(file.role));
  if (decoder) {
    const data = model.files.filter((file) => /decoder_model_merged[^/]*\.onnx_data/.test(file.role)).reduce((sum, file) => sum + file.bytes, 0);
    const row = spec ? spec.text.hidden * (bytesPerWeight(model.quant) ?? 4) : 0;
    return { bytes: decoder.bytes + data + row, source: 'files: decoder_model_merged (all layers + output head) plus one embedding row' };
  }
  const gguf = model.files.find((file) => file.role === 'gguf');
  if (gguf && spec) {
    const perWeight = bytesPerWeight(model.quant);
    if (perWeight !== null) {
      const table = SHAPE_VOCAB_SIZE * spec.text.hidden * perWeight;
      return { bytes: gguf.bytes - table + spec.text.hidden * perWeight, source: 'files: text GGUF minus its embedding table (from dims), plus one embedding row' };
    }
  }
  if (spec && bytesPerWeight(model.quant) !== null) {
    return { bytes: textWeightBytesPerToken(spec, model.quant).total, source: 'dimensions (no decoder file in the record)' };
  }
  return null;
}

export type DecodeBound = 'memory-bound' | 'plausibly compute-bound';

export interface DecodeRoofline {
  engine: string;
  model: string;
  quant: string;
  target: string;
  task: string;
  fixture: string;
  weightBytesPerToken: number;
  bytesSource: string;
  decodeTokensPerSec: number;
  achievedGBps: number;
  ceilingGBps: number | null;
  /** achieved / ceiling; null without a bandwidth measurement. */
  share: number | null;
  bound: DecodeBound | null;
  note: string;
}

export function ceilingFrom(results: Pick<Results, 'environment'>): number | null {
  const recorded = results.environment.extra?.memoryBandwidth as { bestGBps?: unknown } | undefined;
  return typeof recorded?.bestGBps === 'number' && recorded.bestGBps > 0 ? recorded.bestGBps : null;
}

export function classify(share: number): DecodeBound {
  return share < COMPUTE_BOUND_SHARE ? 'plausibly compute-bound' : 'memory-bound';
}

/** One roofline row per ok cell with a decode figure (median tokens/s). */
export function decodeRoofline(results: Pick<Results, 'cells' | 'models' | 'environment'>, ceilingGBps: number | null = ceilingFrom(results)): DecodeRoofline[] {
  const rows: DecodeRoofline[] = [];
  for (const cell of results.cells) {
    const tokensPerSec = cell.stats?.decodeTokensPerSec?.median;
    if (cell.status !== 'ok' || tokensPerSec === undefined || !(tokensPerSec > 0)) continue;
    const model = results.models.find((m) => m.id === cell.key.model && m.engine === cell.key.engine && m.quant === cell.key.quant);
    if (!model) continue;
    const estimate = weightBytesPerToken(model);
    if (!estimate) continue;
    const achievedGBps = (estimate.bytes * tokensPerSec) / 1e9;
    const share = ceilingGBps ? achievedGBps / ceilingGBps : null;
    const bound = share === null ? null : classify(share);
    const note =
      share === null
        ? 'no bandwidth measurement recorded (run with --bandwidth)'
        : bound === 'plausibly compute-bound'
          ? `${(share * 100).toFixed(0)}% of the ${ceilingGBps?.toFixed(1)} GB/s ceiling: not limited by streaming weights — plausibly compute-bound (or per-token overhead)`
          : `${(share * 100).toFixed(0)}% of the ${ceilingGBps?.toFixed(1)} GB/s ceiling: decode is limited by memory bandwidth`;
    rows.push({
      engine: cell.key.engine,
      model: cell.key.model,
      quant: cell.key.quant,
      target: cell.key.target,
      task: cell.key.task,
      fixture: cell.key.fixture,
      weightBytesPerToken: estimate.bytes,
      bytesSource: estimate.source,
      decodeTokensPerSec: tokensPerSec,
      achievedGBps,
      ceilingGBps,
      share,
      bound,
      note,
    });
  }
  return rows;
}

/** The one line that stands for a roofline without a bandwidth ceiling: every row would say only that. */
export function rooflineNotMeasured(cells: number): string {
  return `Not measured: no memory-bandwidth ceiling was recorded for this run, so the ${cells} decode figure${cells === 1 ? '' : 's'} cannot be placed against it. Run with --bandwidth to measure it.`;
}

/** A Markdown table of the rows, for report.md and the console; one line when no ceiling was measured. */
export function rooflineMarkdown(rows: DecodeRoofline[]): string {
  if (rows.length === 0) return '';
  if (rows.every((row) => row.share === null)) return rooflineNotMeasured(rows.length);
  const lines = [
    '| engine | model | quant | fixture | weights read / token | decode tok/s | achieved GB/s | share of ceiling | reading |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${cell(row.engine)} | ${cell(row.model)} | ${cell(row.quant)} | ${cell(row.fixture)} | ${(row.weightBytesPerToken / 1e6).toFixed(1)} MB | ${row.decodeTokensPerSec.toFixed(1)} | ${row.achievedGBps.toFixed(1)} | ${row.share === null ? '—' : `${(row.share * 100).toFixed(0)}%`} | ${row.bound ?? 'no ceiling measured'} |`,
    );
  }
  lines.push('', `Weights read per token: every decoder layer and the output head, once per token (KV cache and activations left out, so the share is a floor). "Plausibly compute-bound": under ${COMPUTE_BOUND_SHARE * 100}% of the measured bandwidth ceiling.`);
  return lines.join('\n');
}
