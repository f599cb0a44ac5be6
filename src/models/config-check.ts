/**
 * Reads a model's dimensions from the files an engine will load (config.json for the ONNX export,
 * the GGUF headers for llama.cpp) and checks them against the real SmolVLM2 size the catalog
 * names. The parameter count reported for a real model comes from here, not from the catalog:
 * counted from the config's dimensions (ONNX) or summed over the GGUF tensors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGgufHeader, type GgufMetadataValue } from './gguf/reader.js';
import { parameterCounts } from './shape/sizes.js';
import { SHAPE_VOCAB_SIZE, shapeSpec, type ShapeSize } from './shape/specs.js';
import type { SmolVlmSpec } from './tiny/smolvlm-spec.js';

export interface ConfigCheck {
  /** Dimensions as read from the files. */
  dimensions: Record<string, number>;
  parameters?: number;
  problems: string[];
}

/** A count within this fraction of the catalog's figure is the same model (the catalog rounds). */
const PARAMETER_TOLERANCE = 0.05;

function expectedDimensions(size: ShapeSize): Record<string, number> {
  const spec = shapeSpec(size);
  return {
    'text.hidden': spec.text.hidden,
    'text.ffn': spec.text.ffn,
    'text.layers': spec.text.layers,
    'text.heads': spec.text.heads,
    'text.kvHeads': spec.text.kvHeads,
    'text.vocab': SHAPE_VOCAB_SIZE,
    'vision.hidden': spec.vision.hidden,
    'vision.ffn': spec.vision.ffn,
    'vision.layers': spec.vision.layers,
    'vision.heads': spec.vision.heads,
    'vision.imageSize': spec.vision.imageSize,
    'vision.patchSize': spec.vision.patchSize,
    scaleFactor: spec.scaleFactor,
  };
}

function compare(found: Record<string, number | undefined>, size: ShapeSize, where: string, parameters: number | undefined, catalogParameters: number | undefined): ConfigCheck {
  const problems: string[] = [];
  const dimensions: Record<string, number> = {};
  for (const [name, expected] of Object.entries(expectedDimensions(size))) {
    const value = found[name];
    if (value === undefined) problems.push(`${where} does not state ${name}`);
    else {
      dimensions[name] = value;
      if (value !== expected) problems.push(`${where}: ${name} is ${value}, but ${size} has ${expected}`);
    }
  }
  if (parameters !== undefined && catalogParameters !== undefined && Math.abs(parameters - catalogParameters) > catalogParameters * PARAMETER_TOLERANCE) {
    problems.push(`${where}: ${parameters} parameters, but ${size} has about ${catalogParameters}`);
  }
  return { dimensions, ...(parameters !== undefined ? { parameters } : {}), problems };
}

function numberAt(object: unknown, ...path: string[]): number | undefined {
  let value: unknown = object;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** transformers.js: config.json in the model folder. */
export function checkOnnxConfig(dir: string, size: ShapeSize, catalogParameters: number | undefined): ConfigCheck {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return { dimensions: {}, problems: [`no config.json in ${dir}`] };
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { dimensions: {}, problems: [`config.json in ${dir} is not valid JSON`] };
  }
  const found = {
    'text.hidden': numberAt(config, 'text_config', 'hidden_size'),
    'text.ffn': numberAt(config, 'text_config', 'intermediate_size'),
    'text.layers': numberAt(config, 'text_config', 'num_hidden_layers'),
    'text.heads': numberAt(config, 'text_config', 'num_attention_heads'),
    'text.kvHeads': numberAt(config, 'text_config', 'num_key_value_heads'),
    'text.vocab': numberAt(config, 'text_config', 'vocab_size') ?? numberAt(config, 'vocab_size'),
    'vision.hidden': numberAt(config, 'vision_config', 'hidden_size'),
    'vision.ffn': numberAt(config, 'vision_config', 'intermediate_size'),
    'vision.layers': numberAt(config, 'vision_config', 'num_hidden_layers'),
    'vision.heads': numberAt(config, 'vision_config', 'num_attention_heads'),
    'vision.imageSize': numberAt(config, 'vision_config', 'image_size'),
    'vision.patchSize': numberAt(config, 'vision_config', 'patch_size'),
    scaleFactor: numberAt(config, 'scale_factor'),
  };
  let parameters: number | undefined;
  if (Object.values(found).every((value) => value !== undefined)) {
    const f = found as Record<keyof typeof found, number>;
    const spec: Omit<SmolVlmSpec, 'processor'> = {
      name: 'from config.json',
      text: { hidden: f['text.hidden'], ffn: f['text.ffn'], layers: f['text.layers'], heads: f['text.heads'], kvHeads: f['text.kvHeads'], headDim: f['text.hidden'] / f['text.heads'] },
      vision: { hidden: f['vision.hidden'], ffn: f['vision.ffn'], layers: f['vision.layers'], heads: f['vision.heads'], imageSize: f['vision.imageSize'], patchSize: f['vision.patchSize'] },
      scaleFactor: f.scaleFactor,
    };
    parameters = parameterCounts(spec, f['text.vocab']).total;
  }
  return compare(found, size, 'config.json', parameters, catalogParameters);
}

function num(metadata: Map<string, GgufMetadataValue>, key: string): number | undefined {
  const value = metadata.get(key);
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

/** llama.cpp: the text GGUF's and the mmproj's headers; parameters summed over both files' tensors. */
export function checkGgufConfig(gguf: string, mmproj: string, size: ShapeSize, catalogParameters: number | undefined): ConfigCheck {
  let text: ReturnType<typeof readGgufHeader>;
  let vision: ReturnType<typeof readGgufHeader>;
  try {
    text = readGgufHeader(gguf, 16 * 1024 * 1024, true);
    vision = readGgufHeader(mmproj, 16 * 1024 * 1024, true);
  } catch (error) {
    return { dimensions: {}, problems: [`the GGUF headers cannot be read: ${(error as Error).message}`] };
  }
  const arch = String(text.metadata.get('general.architecture') ?? 'llama');
  const tokens = text.metadata.get('tokenizer.ggml.tokens');
  const found = {
    'text.hidden': num(text.metadata, `${arch}.embedding_length`),
    'text.ffn': num(text.metadata, `${arch}.feed_forward_length`),
    'text.layers': num(text.metadata, `${arch}.block_count`),
    'text.heads': num(text.metadata, `${arch}.attention.head_count`),
    'text.kvHeads': num(text.metadata, `${arch}.attention.head_count_kv`),
    'text.vocab': Array.isArray(tokens) ? tokens.length : num(text.metadata, `${arch}.vocab_size`),
    'vision.hidden': num(vision.metadata, 'clip.vision.embedding_length'),
    'vision.ffn': num(vision.metadata, 'clip.vision.feed_forward_length'),
    'vision.layers': num(vision.metadata, 'clip.vision.block_count'),
    'vision.heads': num(vision.metadata, 'clip.vision.attention.head_count'),
    'vision.imageSize': num(vision.metadata, 'clip.vision.image_size'),
    'vision.patchSize': num(vision.metadata, 'clip.vision.patch_size'),
    scaleFactor: num(vision.metadata, 'clip.vision.projector.scale_factor'),
  };
  const elements = (tensors: { dims: number[] }[]) => tensors.reduce((sum, tensor) => sum + tensor.dims.reduce((product, d) => product * d, 1), 0);
  const parameters = text.tensors.length + vision.tensors.length > 0 ? elements(text.tensors) + elements(vision.tensors) : undefined;
  return compare(found, size, 'the GGUF headers', parameters, catalogParameters);
}
