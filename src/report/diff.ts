/**
 * Word-level difference between a reference and a model output, for the gallery.
 * A plain LCS over whitespace-separated words: outputs are short (≤ a few hundred words).
 */
import { escapeHtml } from './escape.js';

export type DiffOp = 'equal' | 'insert' | 'delete';
export interface DiffPart {
  op: DiffOp;
  text: string;
}

/** Beyond this many words on either side the LCS table gets large; the diff is skipped. */
const MAX_WORDS = 600;

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/**
 * `delete`: words of the reference missing from the output. `insert`: words of the output
 * absent from the reference. Returns null when the texts are too long to diff.
 */
export function wordDiff(reference: string, output: string): DiffPart[] | null {
  const a = words(reference);
  const b = words(output);
  if (a.length > MAX_WORDS || b.length > MAX_WORDS) return null;
  const width = b.length + 1;
  const lcs = new Uint16Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const parts: DiffPart[] = [];
  const push = (op: DiffOp, word: string): void => {
    const last = parts[parts.length - 1];
    if (last && last.op === op) last.text += ` ${word}`;
    else parts.push({ op, text: word });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push('equal', a[i]!);
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      push('delete', a[i++]!);
    } else {
      push('insert', b[j++]!);
    }
  }
  while (i < a.length) push('delete', a[i++]!);
  while (j < b.length) push('insert', b[j++]!);
  return parts;
}

/** The output with its differences from the reference marked as <ins>/<del>, all text escaped. */
export function renderDiffHtml(reference: string, output: string): string {
  const parts = wordDiff(reference, output);
  if (parts === null) return `<span class="diff-skipped">${escapeHtml(output)}</span>`;
  return parts
    .map((part) => {
      const text = escapeHtml(part.text);
      if (part.op === 'insert') return `<ins title="not in the reference">${text}</ins>`;
      if (part.op === 'delete') return `<del title="in the reference, missing from the output">${text}</del>`;
      return `<span>${text}</span>`;
    })
    .join(' ');
}
