/** The catalog's shapes, kept apart from its data so test-only entries can share them without a cycle. */
import type { ShapeSize } from './shape/specs.js';

export type Synthetic = false | 'tiny' | 'shape';

/** What a real file must hash to. `bytes` only where a source states the exact size; sha256 decides either way. */
export interface FilePin {
  sha256: string;
  bytes?: number;
  /** Where the value was read (a URL or a named document): pins are never computed here. */
  source: string;
}

/** Where one engine's files for a model come from. */
export type ModelSource =
  | { kind: 'generated'; generator: 'tiny-onnx' | 'tiny-gguf' | 'tiny-ocr-easyocr' | 'tiny-ocr-doctr' }
  | { kind: 'generated'; generator: 'shape-onnx' | 'shape-gguf'; size: ShapeSize }
  | {
      kind: 'huggingface';
      repo: string;
      revision: string;
      files: Record<string, string>;
      /** Pinned sha256 per file name. A file without a pin is unverified (refused unless --allow-unverified). */
      pins: Record<string, FilePin>;
      /** Rough download size, for the message before a download; the pins decide what is accepted. */
      approxBytes: number;
    }
  | { kind: 'qvac-registry'; constants: Record<string, string>; files: Array<{ role: string; name: string; bytes: number; sha256: string }> }
  | { kind: 'package'; packageName: string; note: string };

export interface EngineVariant {
  engine: string;
  /** dtype (transformers.js), quantisation (GGUF) or pipeline (OCR). */
  quant: string;
  source: ModelSource;
  options?: Record<string, string | number | boolean>;
}

export interface CatalogEntry {
  id: string;
  description: string;
  synthetic: Synthetic;
  /** Parameter count from the model's published config; a real run checks it against the loaded files. */
  parameters?: number;
  /** The real dimensions the loaded files' config must show (a real SmolVLM2 size). */
  dimensions?: ShapeSize;
  /** Set on entries from VLMBENCH_TEST_CATALOG: never a real checkpoint, whatever its files. */
  testOnly?: true;
  /** The variants that form the default fair pair come first, one per engine. */
  variants: EngineVariant[];
  /** Why the pair is (or is not) like for like. */
  pairing: string;
}
