/**
 * Bounds on text that comes from an engine or a results file. A runaway generation, a device
 * runner's 16 MB post or a hostile results file must not make results.json, the report or the
 * tools that read them slow or huge: output text is stored up to a cap, with the cut recorded,
 * and reports show a shorter excerpt (the stored text stays in results.json).
 */

/** Output text kept per cell, in UTF-8 bytes. */
export const OUTPUT_TEXT_CAP_BYTES = 64 * 1024;
/** Characters of output a report shows before pointing to results.json. */
export const REPORT_EXCERPT_CHARS = 2000;
/** No string in a results file vlmbench writes is longer than this (a capped output, a reason, a note); longer means not ours. */
export const MAX_RESULTS_STRING_CHARS = 64 * 1024;

/** `text` cut to at most `maxBytes` of UTF-8 on a character boundary; `originalBytes` is set only when it was cut. */
export function capText(text: string, maxBytes = OUTPUT_TEXT_CAP_BYTES): { text: string; originalBytes?: number } {
  // Cheap exit: no string of this many UTF-16 units can exceed the cap (a unit is at most 3 bytes).
  if (text.length * 3 <= maxBytes) return { text };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return { text };
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return { text: text.slice(0, read), originalBytes: bytes };
}

/** The first `maxChars` characters, with how much more results.json holds. */
export function textExcerpt(text: string, maxChars = REPORT_EXCERPT_CHARS): string {
  if (text.length <= maxChars) return text;
  // Never split a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  return `${text.slice(0, end)}… [${text.length - end} more characters in results.json]`;
}

/** A one-line reason (a failure, a rejection) of bounded length. */
export function capReason(reason: string, maxChars = 4096): string {
  return reason.length <= maxChars ? reason : `${reason.slice(0, maxChars)}… [cut: ${reason.length} characters]`;
}

/** The first string in a JSON value longer than `maxChars`, as a path and its length, or null. */
export function findOversizedString(value: unknown, maxChars = MAX_RESULTS_STRING_CHARS, path = ''): { path: string; length: number } | null {
  if (typeof value === 'string') return value.length > maxChars ? { path: path || '(root)', length: value.length } : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findOversizedString(item, maxChars, path ? `${path}.${index}` : String(index));
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyFound = key.length > maxChars ? { path: `${path}.(key)`, length: key.length } : null;
      if (keyFound) return keyFound;
      const found = findOversizedString(item, maxChars, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}
