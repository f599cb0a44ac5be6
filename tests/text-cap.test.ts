/** Output text is stored within a cap with the cut recorded; reports show an excerpt; results files with huge strings are refused. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/engines/engine.js';
import { parseResults } from '../src/results/io.js';
import { MAX_RESULTS_STRING_CHARS, OUTPUT_TEXT_CAP_BYTES, capReason, capText, findOversizedString, textExcerpt } from '../src/results/text-cap.js';
import { cellOutput } from '../src/run/measure-cell.js';

describe('capText', () => {
  it('keeps text within the cap untouched, with no cut recorded', () => {
    expect(capText('hello')).toEqual({ text: 'hello' });
    const exact = 'a'.repeat(OUTPUT_TEXT_CAP_BYTES);
    expect(capText(exact)).toEqual({ text: exact });
  });

  it('cuts longer text on a character boundary and records its full size', () => {
    const text = `${'a'.repeat(OUTPUT_TEXT_CAP_BYTES - 1)}€tail`; // € is 3 bytes and would straddle the cap
    const capped = capText(text);
    expect(capped.text).toBe('a'.repeat(OUTPUT_TEXT_CAP_BYTES - 1));
    expect(capped.originalBytes).toBe(Buffer.byteLength(text));
    const emoji = capText('😀'.repeat(OUTPUT_TEXT_CAP_BYTES));
    expect(Buffer.byteLength(emoji.text)).toBe(OUTPUT_TEXT_CAP_BYTES);
    expect(emoji.text.endsWith('\uD83D')).toBe(false);
  });

  it('a cell output of a runaway generation is stored capped, the cut recorded, stability judged on the full texts', () => {
    const long = 'x'.repeat(5 * OUTPUT_TEXT_CAP_BYTES);
    const output = cellOutput([long, long]);
    expect(output.text.length).toBe(OUTPUT_TEXT_CAP_BYTES);
    expect(output.originalBytes).toBe(5 * OUTPUT_TEXT_CAP_BYTES);
    expect(output.stableAcrossSamples).toBe(true);
    expect(cellOutput([long, `${long}y`]).stableAcrossSamples).toBe(false);
    expect(cellOutput(['short']).originalBytes).toBeUndefined();
  });
});

describe('excerpts and reasons', () => {
  it('a report excerpt is bounded and says where the rest is', () => {
    expect(textExcerpt('short')).toBe('short');
    const excerpt = textExcerpt('y'.repeat(10_000), 100);
    expect(excerpt).toBe(`${'y'.repeat(100)}… [9900 more characters in results.json]`);
  });

  it('a reason is bounded', () => {
    expect(capReason('boom')).toBe('boom');
    expect(capReason('z'.repeat(10_000), 10)).toBe('zzzzzzzzzz… [cut: 10000 characters]');
  });
});

describe('results files with huge strings', () => {
  it('finds the first oversized string by path, in values and keys', () => {
    expect(findOversizedString({ a: ['ok', { b: 'x'.repeat(11) }] }, 10)).toEqual({ path: 'a.1.b', length: 11 });
    expect(findOversizedString({ ['k'.repeat(11)]: 1 }, 10)?.length).toBe(11);
    expect(findOversizedString({ a: 'fine' }, 10)).toBeNull();
  });

  it('parseResults refuses one with one line naming the field, before the schema', () => {
    const hostile = { schemaVersion: 1, cells: [{ output: { text: 'x'.repeat(MAX_RESULTS_STRING_CHARS + 1) } }] };
    expect(() => parseResults(hostile, 'f.json')).toThrow(UserError);
    expect(() => parseResults(hostile, 'f.json')).toThrow(/f\.json is not a valid vlmbench results file: cells\.0\.output\.text is 65537 characters/);
  });
});
