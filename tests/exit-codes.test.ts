/** Every exit status the code uses is documented, once, in README.md's table. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, isStorageError } from '../src/exit-codes.js';
import { REPO } from './helpers/cli.js';

describe('exit codes', () => {
  it('README.md documents each code exactly once, and no other', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('\n## ', readme.indexOf('## Exit codes') + 5));
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((match) => Number(match[1]));
    expect(documented.sort((a, b) => a - b)).toEqual(Object.values(EXIT).sort((a, b) => a - b));
  });

  it('codes are distinct', () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });

  it('a full disk or failing storage is a storage error; other errors are not', () => {
    expect(isStorageError(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(true);
    expect(isStorageError(Object.assign(new Error('ro'), { code: 'EROFS' }))).toBe(true);
    expect(isStorageError(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe(false);
    expect(isStorageError(new Error('plain'))).toBe(false);
  });
});
