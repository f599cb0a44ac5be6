/**
 * A byte-level BPE tokenizer with SmolVLM's special tokens, written as the
 * Hugging Face `tokenizer.json`, `tokenizer_config.json` and `special_tokens_map.json`.
 *
 * Layout of the ids: three chat specials, the 256 byte symbols, `vocabExtra` learned
 * merges, then SmolVLM's image and turn markers. Merges are learned from a small
 * built-in corpus (so prompts tokenize into plausible pieces) and topped up with
 * seeded random pairs when a spec asks for a real-sized vocabulary.
 */
import { createRng } from './rng.js';
import type { SmolVlmSpec } from './smolvlm-spec.js';

export const END_OF_TEXT = '<|endoftext|>';
export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
export const FAKE_TOKEN_AROUND_IMAGE = '<fake_token_around_image>';
export const IMAGE_TOKEN = '<image>';
export const END_OF_UTTERANCE = '<end_of_utterance>';
export const GLOBAL_IMAGE_TOKEN = '<global-img>';
/** SmolVLM names tiles `<row_R_col_C>` for R, C in 1..6. */
const MAX_TILE_GRID = 6;

/**
 * Renders "<|im_start|>User:<image>Describe this image.<end_of_utterance>\nAssistant:".
 * A content list that starts with an image gets no space after the colon, as SmolVLM2's does.
 */
export const SMOLVLM_CHAT_TEMPLATE = [
  "<|im_start|>{% for message in messages %}",
  "{% if message['role'] == 'user' %}User{% elif message['role'] == 'assistant' %}Assistant{% else %}System{% endif %}",
  "{% if message['content'] is string %}: {{ message['content'] }}",
  "{% else %}{% if message['content'][0]['type'] == 'image' %}:{% else %}: {% endif %}",
  "{% for part in message['content'] %}",
  "{% if part['type'] == 'text' %}{{ part['text'] }}{% elif part['type'] == 'image' %}<image>{% endif %}",
  "{% endfor %}{% endif %}",
  "<end_of_utterance>\n",
  "{% endfor %}",
  "{% if add_generation_prompt %}Assistant:{% endif %}",
].join('');

const CORPUS = [
  'User: Describe this image. Assistant: The image shows a red square on a white background.',
  'Read the text in this image. What text is written here? The receipt lists the total price.',
  'A photo of a cat sitting on a table next to a window, with a blue sky and green trees outside.',
  'There is a person walking down the street with a dog. The sign says open from nine to five.',
  'Give a short caption for the picture. Answer the question about the document and the chart.',
  'the of and to in is that it with as for was on are be this by at from or an which one all',
].join('\n\n');

export interface SmolVlmVocabulary {
  /** Token text by id. */
  tokens: string[];
  merges: Array<[string, string]>;
  /** Ids that are added tokens (specials and SmolVLM markers), in id order. */
  addedTokenIds: number[];
  ids: {
    endOfText: number;
    imStart: number;
    imEnd: number;
    fakeTokenAroundImage: number;
    image: number;
    endOfUtterance: number;
    globalImage: number;
  };
  /** Ids at which generation stops; generation_config's eos_token_id. */
  endOfGenerationIds: number[];
}

/** GPT-2's reversible byte → printable character map. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + shifted++);
  }
  return map;
}

const PRE_TOKENIZER_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function learnMerges(count: number, alphabet: string[]): Array<[string, string]> {
  const bytes = byteToUnicode();
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const piece of CORPUS.match(PRE_TOKENIZER_PATTERN) ?? []) {
    const symbols = Array.from(encoder.encode(piece), (b) => bytes[b] ?? '').join('\u0000');
    wordCounts.set(symbols, (wordCounts.get(symbols) ?? 0) + 1);
  }
  let words = Array.from(wordCounts, ([symbols, frequency]) => ({ symbols: symbols.split('\u0000'), frequency }));
  const newline = bytes[0x0a] ?? '';
  // Paragraph breaks are one token in SmolLM2's vocabulary; QVAC's image path relies on it.
  const merges: Array<[string, string]> = [[newline, newline]];
  const known = new Set<string>(alphabet);
  known.add(newline + newline);
  const apply = (left: string, right: string): void => {
    words = words.map(({ symbols, frequency }) => {
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else merged.push(symbols[i] ?? '');
      }
      return { symbols: merged, frequency };
    });
  };
  apply(newline, newline);
  while (merges.length < count) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, frequency } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + frequency);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, frequency] of pairCounts) {
      // Ties go to the lexicographically smaller pair so the result never depends on Map order quirks.
      if (frequency > bestCount || (frequency === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = frequency;
      }
    }
    if (best === undefined) break;
    const [left = '', right = ''] = best.split('\u0000');
    if (known.has(left + right)) {
      apply(left, right);
      continue;
    }
    merges.push([left, right]);
    known.add(left + right);
    apply(left, right);
  }
  return merges.slice(0, count);
}

function fillRandomMerges(
  merges: Array<[string, string]>,
  count: number,
  tokens: string[],
  reserved: readonly string[],
  seed: number,
): void {
  const rng = createRng(seed, 'tokenizer.merges');
  const known = new Set([...tokens, ...reserved]);
  let attempts = 0;
  while (merges.length < count) {
    if (++attempts > count * 100) throw new Error('could not invent enough distinct BPE merges');
    const left = tokens[rng.nextBelow(tokens.length)] ?? '';
    const right = tokens[rng.nextBelow(tokens.length)] ?? '';
    // Long tokens add nothing and bloat tokenizer.json; keep invented ones short.
    if (left.length + right.length > 12 || known.has(left + right)) continue;
    merges.push([left, right]);
    known.add(left + right);
    tokens.push(left + right);
  }
}

export function buildSmolVlmVocabulary(spec: SmolVlmSpec, seed: number): SmolVlmVocabulary {
  const extra = spec.text.vocabExtra ?? 0;
  const alphabet = byteToUnicode();
  const tokens: string[] = [END_OF_TEXT, IM_START, IM_END, ...alphabet];
  const merges = learnMerges(extra, alphabet);
  for (const [left, right] of merges) tokens.push(left + right);
  const markers = [FAKE_TOKEN_AROUND_IMAGE, IMAGE_TOKEN, END_OF_UTTERANCE, GLOBAL_IMAGE_TOKEN];
  for (let row = 1; row <= MAX_TILE_GRID; row++) {
    for (let col = 1; col <= MAX_TILE_GRID; col++) markers.push(`<row_${row}_col_${col}>`);
  }
  fillRandomMerges(merges, extra, tokens, markers, seed);

  const firstMarker = tokens.length;
  tokens.push(...markers);

  const idOf = (text: string): number => {
    const id = tokens.indexOf(text);
    if (id < 0) throw new Error(`token ${text} missing`);
    return id;
  };
  const ids = {
    endOfText: idOf(END_OF_TEXT),
    imStart: idOf(IM_START),
    imEnd: idOf(IM_END),
    fakeTokenAroundImage: idOf(FAKE_TOKEN_AROUND_IMAGE),
    image: idOf(IMAGE_TOKEN),
    endOfUtterance: idOf(END_OF_UTTERANCE),
    globalImage: idOf(GLOBAL_IMAGE_TOKEN),
  };
  const addedTokenIds = [0, 1, 2, ...markers.map((_, i) => firstMarker + i)];
  return { tokens, merges, addedTokenIds, ids, endOfGenerationIds: [ids.imEnd, ids.endOfUtterance] };
}

function addedTokenFlags(content: string) {
  return { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
}

export function tokenizerJson(vocabulary: SmolVlmVocabulary): object {
  const vocab: Record<string, number> = {};
  vocabulary.tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: vocabulary.addedTokenIds.map((id) => {
      const { content, ...flags } = addedTokenFlags(vocabulary.tokens[id] ?? '');
      return { id, content, ...flags };
    }),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: vocabulary.merges.map(([left, right]) => `${left} ${right}`),
    },
  };
}

export function tokenizerConfigJson(vocabulary: SmolVlmVocabulary): object {
  const addedTokensDecoder: Record<string, object> = {};
  for (const id of vocabulary.addedTokenIds) addedTokensDecoder[String(id)] = addedTokenFlags(vocabulary.tokens[id] ?? '');
  return {
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: [FAKE_TOKEN_AROUND_IMAGE, IMAGE_TOKEN, END_OF_UTTERANCE],
    bos_token: IM_START,
    chat_template: SMOLVLM_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: END_OF_UTTERANCE,
    legacy: false,
    model_max_length: 8192,
    pad_token: IM_END,
    processor_class: 'SmolVLMProcessor',
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: END_OF_TEXT,
    vocab_size: vocabulary.tokens.length,
  };
}

export function specialTokensMapJson(): object {
  return {
    additional_special_tokens: [FAKE_TOKEN_AROUND_IMAGE, IMAGE_TOKEN, END_OF_UTTERANCE],
    bos_token: IM_START,
    eos_token: END_OF_UTTERANCE,
    pad_token: IM_END,
    unk_token: END_OF_TEXT,
  };
}
