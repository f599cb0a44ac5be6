/** bench:verdict times the README's verdict-grade command, not a variant of it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAGS } from '../bench/verdict-grade.js';
import { REPO } from './helpers/cli.js';

describe('bench:verdict', () => {
  it("runs by default the profile README.md's Verdicts section gives", () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Verdicts'), readme.indexOf('\n## ', readme.indexOf('## Verdicts') + 1));
    expect(section).toContain(`npm run vlmbench -- run --engines transformersjs,qvac --models shape-smolvlm2-256m ${DEFAULT_FLAGS}\n`);
  });
});
