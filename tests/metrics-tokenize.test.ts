/**
 * The caption tokenizer follows pycocoevalcap's `tokenizer/ptbtokenizer.py`: Stanford
 * PTBTokenizer with -preserveLines -lowerCase, then removal of the tokens in its
 * PUNCTUATIONS list ('' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;).
 */
import { describe, expect, it } from 'vitest';
import { tokenizeCaption } from '../src/metrics/tokenize.js';

describe('tokenizeCaption', () => {
  it('lowercases and removes sentence punctuation', () => {
    expect(tokenizeCaption('A man riding a horse, on the beach.')).toEqual(['a', 'man', 'riding', 'a', 'horse', 'on', 'the', 'beach']);
    expect(tokenizeCaption('What?! Wait... "Really"; yes: no -- maybe')).toEqual(['what', 'wait', 'really', 'yes', 'no', 'maybe']);
  });
  it('splits clitics as the Penn Treebank does', () => {
    expect(tokenizeCaption("The dog's ball isn't red.")).toEqual(['the', 'dog', "'s", 'ball', 'is', "n't", 'red']);
    expect(tokenizeCaption("They're here, we'll go; I'd say I'm done and we've won")).toEqual([
      'they', "'re", 'here', 'we', "'ll", 'go', 'i', "'d", 'say', 'i', "'m", 'done', 'and', 'we', "'ve", 'won',
    ]);
    expect(tokenizeCaption('The dog’s ball')).toEqual(['the', 'dog', "'s", 'ball']);
  });
  it('keeps hyphenated words, numbers and initialisms whole; drops a lone hyphen', () => {
    expect(tokenizeCaption('A black-and-white photo of 3.5 cats costing 1,000 dollars in the U.S.')).toEqual([
      'a', 'black-and-white', 'photo', 'of', '3.5', 'cats', 'costing', '1,000', 'dollars', 'in', 'the', 'u.s.',
    ]);
    expect(tokenizeCaption('red - blue')).toEqual(['red', 'blue']);
  });
  it('removes brackets and quotes, keeps other symbols', () => {
    expect(tokenizeCaption('(a) [red] {circle} `x` \'y\' 50% & $5 a/b')).toEqual(['a', 'red', 'circle', 'x', 'y', '50', '%', '&', '$', '5', 'a/b']);
  });
  it('splits on internal commas between words', () => {
    expect(tokenizeCaption('red,blue')).toEqual(['red', 'blue']);
  });
  it('newlines are spaces; empty and punctuation-only input give no tokens', () => {
    expect(tokenizeCaption('a\nred\r\ncircle')).toEqual(['a', 'red', 'circle']);
    expect(tokenizeCaption('')).toEqual([]);
    expect(tokenizeCaption(' ... !? ')).toEqual([]);
  });
  it('keeps non-ASCII letters and emoji', () => {
    expect(tokenizeCaption('Un café 🙂 très Élégant.')).toEqual(['un', 'café', '🙂', 'très', 'élégant']);
  });
  it('tokenizes a 20k-word caption', () => {
    expect(tokenizeCaption('red circle. '.repeat(10_000))).toHaveLength(20_000);
  });
});
