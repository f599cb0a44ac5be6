/** No module imports itself through others (static imports and re-exports of src/). */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers/cli.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Static `import … from './x.js'` and `export … from './x.js'` (type-only ones included: they still tie the files together). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gm)].map((m) => m[1] as string);
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => files.includes(target))]));
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('import graph', () => {
  it('has no cycle in src/ (the gate ↔ compare Markdown one included)', () => {
    const files = sourceFiles(join(REPO, 'src'));
    const found = cycles(files).map((cycle) => cycle.map((file) => relative(REPO, file)).join(' → '));
    expect(found).toEqual([]);
  });

  it('finds a cycle where there is one, type-only imports and re-exports included', () => {
    const dir = tempDir('cycles');
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js';\nexport type A = B;\n");
    writeFileSync(join(dir, 'b.ts'), "export { c } from './c.js';\nexport type B = number;\n");
    writeFileSync(join(dir, 'c.ts'), "import { a } from './a.js';\nexport const c = a;\n");
    const found = cycles(sourceFiles(dir)).map((cycle) => cycle.map((file) => relative(dir, file)).join(' → '));
    expect(found).toEqual(['a.ts → b.ts → c.ts → a.ts']);
  });
});
