/**
 * Tiny random-weight GGUFs for QVAC's two OCR pipelines (`ggml-ocr`):
 * - easyocr: a CRAFT detector and a CRNN (VGG + BiLSTM) recognizer. The addon reads every
 *   shape from the tensors, so channels can be tiny (files of a few tens of KB).
 * - doctr: a DBNet detector on MobileNetV3-Large and a CRNN on MobileNetV3-Small. The addon
 *   hard-codes their block tables and FPN widths, so these keep the real shapes (MBs, F16).
 *
 * Names and shapes follow the addon's loaders (tetherto/qvac, packages/ocr-ggml, facts only).
 * Shapes are written in PyTorch order; the GGUF writer reverses them into ggml order.
 *
 * Three deliberate non-random choices make the output useful for plumbing tests:
 * - each detector's final score layer has zero weights and a positive bias, so the score map
 *   is uniform and the detector finds one box covering the whole image;
 * - each recognizer's CTC blank class gets a strongly negative bias, so a box always decodes
 *   to non-empty (meaningless) text;
 * - conv weights are scaled by fan-in, so activations neither explode nor vanish into NaN
 *   (a NaN would survive the zero weights above and erase the box).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { writeGguf, type GgufTensor, type GgufTensorType, type GgufValue } from '../gguf/writer.js';
import { createRng } from './rng.js';

export interface TinyOcrModelPaths {
  easyocr: { detector: string; recognizer: string };
  doctr: { detector: string; recognizer: string };
}

export const TINY_OCR_FILES = {
  easyocr: { detector: 'tiny-easyocr-craft-detector.gguf', recognizer: 'tiny-easyocr-crnn-recognizer.gguf' },
  doctr: { detector: 'tiny-doctr-dbnet-mobilenet-v3-large-detector.gguf', recognizer: 'tiny-doctr-crnn-mobilenet-v3-small-recognizer.gguf' },
} as const;

/** EasyOCR's CTC blank is class 0; the other 95 classes cover printable ASCII. */
const EASYOCR_CLASSES = 96;
/** docTR's vocabulary has 126 characters; class 126 is the CTC blank. */
const DOCTR_CLASSES = 127;
const DOCTR_BLANK = 126;
const BLANK_BIAS = -10;
/** A uniform detector score that clears every text/link threshold after the addon's sigmoid or clamp. */
const DETECTOR_SCORE_BIAS = 4;

type Init =
  | { kind: 'fan-in'; fanIn: number }
  | { kind: 'uniform'; scale: number }
  | { kind: 'constant'; value: number }
  | { kind: 'constant-with'; value: number; index: number; at: number };

class TensorList {
  readonly tensors: GgufTensor[] = [];
  constructor(
    private readonly seed: number,
    private readonly type: GgufTensorType,
  ) {}

  add(name: string, shape: number[], init: Init): void {
    const seed = this.seed;
    const elements = shape.reduce((a, b) => a * b, 1);
    this.tensors.push({
      name,
      shape,
      type: this.type,
      values: () => fill(elements, init, seed, name),
    });
  }

  /** Conv weight [out, in/groups, k, k] with optional bias [out]. */
  conv(prefix: string, out: number, inPerGroup: number, kernel: number, bias: boolean): void {
    const fanIn = inPerGroup * kernel * kernel;
    this.add(`${prefix}.weight`, [out, inPerGroup, kernel, kernel], { kind: 'fan-in', fanIn });
    if (bias) this.add(`${prefix}.bias`, [out], { kind: 'uniform', scale: 0.05 });
  }

  /** PyTorch BatchNorm2d as an identity-ish affine (gamma near 1, mean 0, var 1), so depth stays stable. */
  batchNorm(prefix: string, channels: number): void {
    this.add(`${prefix}.weight`, [channels], { kind: 'constant', value: 1 });
    this.add(`${prefix}.bias`, [channels], { kind: 'uniform', scale: 0.05 });
    this.add(`${prefix}.running_mean`, [channels], { kind: 'constant', value: 0 });
    this.add(`${prefix}.running_var`, [channels], { kind: 'constant', value: 1 });
  }

  /** One direction of a PyTorch LSTM layer (gate order i, f, g, o). */
  lstm(prefix: string, layer: number, input: number, hidden: number): void {
    for (const suffix of ['', '_reverse']) {
      const scale = 1 / Math.sqrt(hidden);
      this.add(`${prefix}weight_ih_l${layer}${suffix}`, [4 * hidden, input], { kind: 'uniform', scale });
      this.add(`${prefix}weight_hh_l${layer}${suffix}`, [4 * hidden, hidden], { kind: 'uniform', scale });
      this.add(`${prefix}bias_ih_l${layer}${suffix}`, [4 * hidden], { kind: 'uniform', scale });
      this.add(`${prefix}bias_hh_l${layer}${suffix}`, [4 * hidden], { kind: 'uniform', scale });
    }
  }
}

function fill(elements: number, init: Init, seed: number, name: string): Float32Array {
  const out = new Float32Array(elements);
  if (init.kind === 'constant' || init.kind === 'constant-with') {
    out.fill(init.value);
    if (init.kind === 'constant-with') out[init.index] = init.at;
    return out;
  }
  // He-uniform keeps the variance of ReLU / HardSwish activations roughly constant with depth.
  const bound = init.kind === 'fan-in' ? Math.sqrt(6 / init.fanIn) : init.scale;
  const rng = createRng(seed, name);
  for (let i = 0; i < elements; i++) out[i] = (rng.nextFloat() * 2 - 1) * bound;
  return out;
}

function metadata(name: string): Record<string, GgufValue> {
  return { 'general.name': { type: 'string', value: name } };
}

/** CRAFT (VGG16-BN backbone + U-net + conv_cls head) with `c` channels everywhere. */
function craftTensors(seed: number): GgufTensor[] {
  const c = 4;
  const t = new TensorList(seed, 'F32');
  const convBn = (conv: string, bn: string, out: number, input: number, kernel: number): void => {
    t.conv(conv, out, input, kernel, true);
    t.batchNorm(bn, out);
  };
  convBn('basenet.slice1.0', 'basenet.slice1.1', c, 3, 3);
  convBn('basenet.slice1.3', 'basenet.slice1.4', c, c, 3);
  convBn('basenet.slice1.7', 'basenet.slice1.8', c, c, 3);
  convBn('basenet.slice1.10', 'basenet.slice1.11', c, c, 3);
  convBn('basenet.slice2.14', 'basenet.slice2.15', c, c, 3);
  convBn('basenet.slice2.17', 'basenet.slice2.18', c, c, 3);
  convBn('basenet.slice3.20', 'basenet.slice3.21', c, c, 3);
  convBn('basenet.slice3.24', 'basenet.slice3.25', c, c, 3);
  convBn('basenet.slice3.27', 'basenet.slice3.28', c, c, 3);
  convBn('basenet.slice4.30', 'basenet.slice4.31', c, c, 3);
  convBn('basenet.slice4.34', 'basenet.slice4.35', c, c, 3);
  convBn('basenet.slice4.37', 'basenet.slice4.38', c, c, 3);
  t.conv('basenet.slice5.1', c, c, 3, true);
  t.conv('basenet.slice5.2', c, c, 1, true);
  // Each upconv sees the previous stage concatenated with a backbone tap: c + c channels in.
  for (const stage of [1, 2, 3, 4]) {
    convBn(`upconv${stage}.conv.0`, `upconv${stage}.conv.1`, c, 2 * c, 1);
    convBn(`upconv${stage}.conv.3`, `upconv${stage}.conv.4`, c, c, 3);
  }
  t.conv('conv_cls.0', c, c, 3, true);
  t.conv('conv_cls.2', c, c, 3, true);
  t.conv('conv_cls.4', c, c, 3, true);
  t.conv('conv_cls.6', c, c, 1, true);
  // Exactly two outputs (text score, link score); uniform positive scores make one whole-image box.
  t.add('conv_cls.8.weight', [2, c, 1, 1], { kind: 'constant', value: 0 });
  t.add('conv_cls.8.bias', [2], { kind: 'constant', value: 1 });
  return t.tensors;
}

/** EasyOCR's generation-2 CRNN: VGG feature extractor, two BiLSTM blocks, a linear CTC head. */
function easyocrCrnnTensors(seed: number): GgufTensor[] {
  const c = 8;
  const hidden = 8;
  const t = new TensorList(seed, 'F32');
  const base = 'FeatureExtraction.ConvNet.';
  t.conv(`${base}0`, c, 1, 3, true);
  t.conv(`${base}3`, c, c, 3, true);
  t.conv(`${base}6`, c, c, 3, true);
  t.conv(`${base}8`, c, c, 3, true);
  t.conv(`${base}11`, c, c, 3, true);
  t.batchNorm(`${base}12`, c);
  t.conv(`${base}14`, c, c, 3, true);
  t.batchNorm(`${base}15`, c);
  t.conv(`${base}18`, c, c, 2, true);
  for (const block of [0, 1]) {
    t.lstm(`SequenceModeling.${block}.rnn.`, 0, c, hidden);
    t.add(`SequenceModeling.${block}.linear.weight`, [hidden, 2 * hidden], { kind: 'fan-in', fanIn: 2 * hidden });
    t.add(`SequenceModeling.${block}.linear.bias`, [hidden], { kind: 'uniform', scale: 0.05 });
  }
  t.add('Prediction.weight', [EASYOCR_CLASSES, hidden], { kind: 'fan-in', fanIn: hidden });
  t.add('Prediction.bias', [EASYOCR_CLASSES], { kind: 'constant-with', value: 0, index: 0, at: BLANK_BIAS });
  return t.tensors;
}

interface InvertedResidual {
  input: number;
  output: number;
  expansion: number;
  kernel: number;
  /** Squeeze-and-excite reduced width, or 0 for no SE. */
  se: number;
}

/**
 * torchvision's InvertedResidual naming: `block.0` is the 1x1 expansion (absent when
 * expansion == input), then the depthwise conv, then SE (`fc1`/`fc2`), then the 1x1 projection.
 * Conv and BN pairs are `block.N.0` / `block.N.1`.
 */
function invertedResiduals(
  t: TensorList,
  prefix: string,
  blocks: readonly InvertedResidual[],
  withBatchNorm: boolean,
): void {
  blocks.forEach((block, i) => {
    const base = `${prefix}${i + 1}.block.`;
    let index = 0;
    const convBn = (out: number, inPerGroup: number, kernel: number): void => {
      // Convs followed by BN carry no bias in torchvision; the BN shift (or nothing) stands in.
      t.conv(`${base}${index}.0`, out, inPerGroup, kernel, false);
      if (withBatchNorm) t.batchNorm(`${base}${index}.1`, out);
      index++;
    };
    if (block.expansion !== block.input) convBn(block.expansion, block.input, 1);
    convBn(block.expansion, 1, block.kernel);
    if (block.se > 0) {
      t.conv(`${base}${index}.fc1`, block.se, block.expansion, 1, true);
      t.conv(`${base}${index}.fc2`, block.expansion, block.se, 1, true);
      index++;
    }
    convBn(block.output, block.expansion, 1);
  });
}

/** MobileNetV3-Large as the addon's DBNet detector expects it (features.1..15). */
const MOBILENET_V3_LARGE: readonly InvertedResidual[] = [
  { input: 16, output: 16, expansion: 16, kernel: 3, se: 0 },
  { input: 16, output: 24, expansion: 64, kernel: 3, se: 0 },
  { input: 24, output: 24, expansion: 72, kernel: 3, se: 0 },
  { input: 24, output: 40, expansion: 72, kernel: 5, se: 24 },
  { input: 40, output: 40, expansion: 120, kernel: 5, se: 32 },
  { input: 40, output: 40, expansion: 120, kernel: 5, se: 32 },
  { input: 40, output: 80, expansion: 240, kernel: 3, se: 0 },
  { input: 80, output: 80, expansion: 200, kernel: 3, se: 0 },
  { input: 80, output: 80, expansion: 184, kernel: 3, se: 0 },
  { input: 80, output: 80, expansion: 184, kernel: 3, se: 0 },
  { input: 80, output: 112, expansion: 480, kernel: 3, se: 120 },
  { input: 112, output: 112, expansion: 672, kernel: 3, se: 168 },
  { input: 112, output: 160, expansion: 672, kernel: 5, se: 168 },
  { input: 160, output: 160, expansion: 960, kernel: 5, se: 240 },
  { input: 160, output: 160, expansion: 960, kernel: 5, se: 240 },
];

/** MobileNetV3-Small as docTR's CRNN uses it (crnn.features.1..11). */
const MOBILENET_V3_SMALL: readonly InvertedResidual[] = [
  { input: 16, output: 16, expansion: 16, kernel: 3, se: 8 },
  { input: 16, output: 24, expansion: 72, kernel: 3, se: 0 },
  { input: 24, output: 24, expansion: 88, kernel: 3, se: 0 },
  { input: 24, output: 40, expansion: 96, kernel: 5, se: 24 },
  { input: 40, output: 40, expansion: 240, kernel: 5, se: 64 },
  { input: 40, output: 40, expansion: 240, kernel: 5, se: 64 },
  { input: 40, output: 48, expansion: 120, kernel: 5, se: 32 },
  { input: 48, output: 48, expansion: 144, kernel: 5, se: 40 },
  { input: 48, output: 96, expansion: 288, kernel: 5, se: 72 },
  { input: 96, output: 96, expansion: 576, kernel: 5, se: 144 },
  { input: 96, output: 96, expansion: 576, kernel: 5, se: 144 },
];

/**
 * DBNet on MobileNetV3-Large. BN is omitted (the addon then folds an identity), so only
 * convs are stored; `dbnet.prob_head.6.bias` must exist because the addon cannot infer the
 * single output channel of that transposed conv from its weight.
 */
function dbnetTensors(seed: number): GgufTensor[] {
  const t = new TensorList(seed, 'F16');
  t.conv('features.0.0', 16, 3, 3, false);
  invertedResiduals(t, 'features.', MOBILENET_V3_LARGE, false);
  t.conv('features.16.0', 960, 160, 1, false);
  [24, 40, 112, 960].forEach((input, branch) => t.conv(`dbnet.fpn.in_branches.${branch}.0`, 256, input, 1, false));
  for (const branch of [0, 1, 2, 3]) t.conv(`dbnet.fpn.out_branches.${branch}.0`, 64, 256, 3, false);
  t.conv('dbnet.prob_head.0', 64, 256, 3, false);
  // ConvTranspose2d weights are [in, out, k, k] in PyTorch.
  t.add('dbnet.prob_head.3.weight', [64, 64, 2, 2], { kind: 'fan-in', fanIn: 64 });
  t.add('dbnet.prob_head.3.bias', [64], { kind: 'uniform', scale: 0.05 });
  t.add('dbnet.prob_head.6.weight', [64, 1, 2, 2], { kind: 'constant', value: 0 });
  t.add('dbnet.prob_head.6.bias', [1], { kind: 'constant', value: DETECTOR_SCORE_BIAS });
  return t.tensors;
}

/** docTR's crnn_mobilenet_v3_small: every BN is required; the decoder is a 2-layer BiLSTM (hidden 128). */
function doctrCrnnTensors(seed: number): GgufTensor[] {
  const t = new TensorList(seed, 'F16');
  t.conv('crnn.features.0.0', 16, 3, 3, false);
  t.batchNorm('crnn.features.0.1', 16);
  invertedResiduals(t, 'crnn.features.', MOBILENET_V3_SMALL, true);
  t.conv('crnn.features.12.0', 576, 96, 1, false);
  t.batchNorm('crnn.features.12.1', 576);
  t.lstm('crnn.decoder.', 0, 576, 128);
  t.lstm('crnn.decoder.', 1, 256, 128);
  t.add('crnn.linear.weight', [DOCTR_CLASSES, 256], { kind: 'fan-in', fanIn: 256 });
  t.add('crnn.linear.bias', [DOCTR_CLASSES], { kind: 'constant-with', value: 0, index: DOCTR_BLANK, at: BLANK_BIAS });
  return t.tensors;
}

/**
 * Writes the four tiny OCR GGUFs into `outDir` and returns their absolute paths.
 * The bytes depend only on `seed` (each tensor draws from its own named stream).
 */
export async function writeTinyOcrModels(outDir: string, options: { seed: number }): Promise<TinyOcrModelPaths> {
  mkdirSync(outDir, { recursive: true });
  const path = (file: string): string => join(outDir, file);
  const seed = options.seed;
  const jobs: [string, string, GgufTensor[]][] = [
    [path(TINY_OCR_FILES.easyocr.detector), 'vlmbench tiny random CRAFT detector (easyocr)', craftTensors(seed)],
    [path(TINY_OCR_FILES.easyocr.recognizer), 'vlmbench tiny random CRNN recognizer (easyocr)', easyocrCrnnTensors(seed)],
    [path(TINY_OCR_FILES.doctr.detector), 'vlmbench random DBNet MobileNetV3-Large detector (doctr)', dbnetTensors(seed)],
    [path(TINY_OCR_FILES.doctr.recognizer), 'vlmbench random CRNN MobileNetV3-Small recognizer (doctr)', doctrCrnnTensors(seed)],
  ];
  for (const [file, name, tensors] of jobs) writeGguf(file, metadata(name), tensors);
  return {
    easyocr: { detector: path(TINY_OCR_FILES.easyocr.detector), recognizer: path(TINY_OCR_FILES.easyocr.recognizer) },
    doctr: { detector: path(TINY_OCR_FILES.doctr.detector), recognizer: path(TINY_OCR_FILES.doctr.recognizer) },
  };
}
