/**
 * A SentencePiece-style (`tokenizer.ggml.model = "llama"`) vocabulary for synthetic GGUF models.
 *
 * llama.cpp builds a text→id map from `tokenizer.ggml.tokens` and asserts both maps have the
 * same size, so every token text must be unique. Byte-fallback tokens `<0x00>`…`<0xFF>` make
 * any input encodable; special tokens are typed so llama.cpp matches them as single tokens.
 */
import type { GgufValue } from '../gguf/writer.js';

/** llama.cpp's `llama_token_type` values as stored in `tokenizer.ggml.token_type`. */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** SentencePiece's visible space. */
export const SPACE_MARK = '\u2581';

export interface VocabEntry {
  text: string;
  score: number;
  type: number;
}

export interface LlamaVocab {
  entries: VocabEntry[];
  /** Id of a token text; throws if absent, so a typo cannot silently fall back to bytes. */
  id(text: string): number;
  has(text: string): boolean;
}

export interface LlamaVocabSpec {
  /** Control tokens (never produced by plain text; e.g. `<|im_start|>`). */
  control: string[];
  /** User-defined tokens, matched as one token wherever they appear in text (e.g. `<image>`, `"\n\n"`). */
  userDefined: string[];
  /** Ordinary word pieces; a leading space is written as `▁`. Earlier pieces get higher scores. */
  pieces: string[];
}

export function buildLlamaVocab(spec: LlamaVocabSpec): LlamaVocab {
  const entries: VocabEntry[] = [
    { text: '<unk>', score: 0, type: TOKEN_TYPE.unknown },
    { text: '<s>', score: 0, type: TOKEN_TYPE.control },
    { text: '</s>', score: 0, type: TOKEN_TYPE.control },
  ];
  for (let byte = 0; byte < 256; byte++) {
    entries.push({ text: `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, score: 0, type: TOKEN_TYPE.byte });
  }
  for (const text of spec.control) entries.push({ text, score: 0, type: TOKEN_TYPE.control });
  for (const text of spec.userDefined) entries.push({ text, score: 0, type: TOKEN_TYPE.userDefined });
  spec.pieces.forEach((text, index) => entries.push({ text, score: -index, type: TOKEN_TYPE.normal }));

  const byText = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (byText.has(entry.text)) throw new Error(`duplicate vocabulary token ${JSON.stringify(entry.text)} (llama.cpp aborts on duplicates)`);
    byText.set(entry.text, index);
  });
  return {
    entries,
    has: (text) => byText.has(text),
    id(text) {
      const found = byText.get(text);
      if (found === undefined) throw new Error(`token ${JSON.stringify(text)} is not in the vocabulary`);
      return found;
    },
  };
}

/** Printable ASCII single characters plus their `▁`-prefixed forms, and a few common words. */
export function defaultWordPieces(words: readonly string[]): string[] {
  const pieces: string[] = [SPACE_MARK];
  for (const word of words) pieces.push(`${SPACE_MARK}${word}`);
  for (let code = 0x21; code < 0x7f; code++) {
    const char = String.fromCharCode(code);
    pieces.push(char, `${SPACE_MARK}${char}`);
  }
  return [...new Set(pieces)];
}

/** The `tokenizer.ggml.*` key-values of a vocabulary. */
export function llamaVocabKv(vocab: LlamaVocab, ids: { bos: number; eos: number; unknown: number; padding: number }): Record<string, GgufValue> {
  return {
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: vocab.entries.map((e) => e.text) },
    'tokenizer.ggml.scores': { type: 'f32[]', value: vocab.entries.map((e) => e.score) },
    'tokenizer.ggml.token_type': { type: 'i32[]', value: vocab.entries.map((e) => e.type) },
    'tokenizer.ggml.bos_token_id': { type: 'u32', value: ids.bos },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: ids.eos },
    'tokenizer.ggml.unknown_token_id': { type: 'u32', value: ids.unknown },
    'tokenizer.ggml.padding_token_id': { type: 'u32', value: ids.padding },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: false },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: false },
  };
}
