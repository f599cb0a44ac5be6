/**
 * Test-only catalog entries, for the stand-in hub tests: a JSON file named by VLMBENCH_TEST_CATALOG
 * adds Hugging Face entries whose pins come from generated files. So that such an entry can never
 * pass for a real checkpoint in any output, its id must start with "test-", it is always marked
 * synthetic ("tiny": generated random weights), and its description says TEST-ONLY.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../engines/engine.js';
import type { CatalogEntry } from './catalog-types.js';

const PinSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative().optional() });

const TestEntrySchema = z.object({
  id: z.string().regex(/^test-[a-z0-9-]+$/, 'a test-only id starts with "test-"'),
  engine: z.string(),
  quant: z.string(),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  revision: z.string().min(1),
  /** role → file name in the repo. */
  files: z.record(z.string(), z.string()),
  pins: z.record(z.string(), PinSchema).default({}),
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const TestCatalogSchema = z.object({ entries: z.array(TestEntrySchema) });

export const TEST_CATALOG_ENV = 'VLMBENCH_TEST_CATALOG';

export function testCatalogEntries(): CatalogEntry[] {
  const path = process.env[TEST_CATALOG_ENV];
  if (!path) return [];
  let parsed: z.infer<typeof TestCatalogSchema>;
  try {
    parsed = TestCatalogSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new UserError(`${TEST_CATALOG_ENV}=${path} is not a valid test catalog: ${(error as Error).message.split('\n')[0]}`);
  }
  return parsed.entries.map((entry) => ({
    id: entry.id,
    description: `TEST-ONLY stand-in hub entry (${TEST_CATALOG_ENV}), generated random weights served as ${entry.repo}: never a real checkpoint`,
    synthetic: 'tiny',
    testOnly: true,
    variants: [
      {
        engine: entry.engine,
        quant: entry.quant,
        ...(entry.options ? { options: entry.options } : {}),
        source: {
          kind: 'huggingface',
          repo: entry.repo,
          revision: entry.revision,
          files: entry.files,
          pins: Object.fromEntries(Object.entries(entry.pins).map(([file, pin]) => [file, { ...pin, source: `test catalog ${path}` }])),
          approxBytes: 0,
        },
      },
    ],
    pairing: 'Test-only entry: not part of any comparison.',
  }));
}
