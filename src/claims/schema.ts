/**
 * The claims ledger's shape: each claim quotes (in its own words) something the comparison
 * page asserts, and carries a declarative check over results. Adding a claim is adding data.
 */
import { z } from 'zod';
import { UserError } from '../engines/engine.js';

const OneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Which cells a rule looks at. Strings may end in `*` (prefix match); arrays mean any of. */
export const SelectorSchema = z
  .object({
    engine: OneOrMany.optional(),
    model: OneOrMany.optional(),
    quant: OneOrMany.optional(),
    target: OneOrMany.optional(),
    task: OneOrMany.optional(),
    fixture: OneOrMany.optional(),
    /** Fixture category from the results' fixture records (e.g. two-column). */
    category: OneOrMany.optional(),
    status: z.enum(['ok', 'failed', 'unavailable']).optional(),
    /** Where the cell ran: the run's os.platform, a `platform:<name>` flag, or a remote device's recorded platform (`android`, `ios`, `linux`…). */
    platform: OneOrMany.optional(),
    /** The cell's flags must include this one (e.g. `remote`). */
    flag: z.string().min(1).optional(),
    /** true: only cells of synthetic models; false: only real weights. */
    synthetic: z.boolean().optional(),
  })
  .strict();
export type Selector = z.infer<typeof SelectorSchema>;

export const CompareSchema = z.enum(['<', '<=', '>', '>=']);
export type Compare = z.infer<typeof CompareSchema>;

export const UnitSchema = z.enum(['bytes', 'ms', 'count', 'fraction', 'parameters']);

const AggregateRule = z
  .object({
    kind: z.literal('aggregate'),
    select: SelectorSchema,
    /** A sample field (latencyMs, ttftMs, decodeTokensPerSec, peakRssBytes, workerPeakRssBytes, totalPeakRssBytes), `load.ms`, `load.hostPeakRssBytes`, `load.workerPeakRssBytes`, or `quality.<metric>`. */
    field: z.string().min(1),
    op: z.enum(['max', 'min', 'mean', 'median', 'sum', 'count']),
    compare: CompareSchema,
    value: z.number(),
    unit: UnitSchema.optional(),
    /** Synthetic weights never decide a size or quality claim; default true. */
    realWeightsOnly: z.boolean().default(true),
  })
  .strict();

const ExistsRule = z
  .object({
    kind: z.literal('exists'),
    /** Every selector must match at least one cell of the same run (one selector: just that). */
    select: z.union([SelectorSchema, z.array(SelectorSchema).min(1)]),
    /** When matching cells ran but none was ok, the claim is contradicted (default); false: not measured. */
    failedContradicts: z.boolean().default(true),
    realWeightsOnly: z.boolean().default(false),
  })
  .strict();

const OfflineRule = z
  .object({
    kind: z.literal('offline'),
    /** Cells that must be ok in a run recorded as offline (environment.extra.network.offline). */
    select: SelectorSchema,
  })
  .strict();

const PrivateRule = z
  .object({
    kind: z.literal('private'),
    /**
     * Cells of the claim's engine: supported when they work in a run recorded as offline and, in a
     * run --network-audit, attempted nothing but expected model downloads (src/claims/private-rule.ts).
     */
    select: SelectorSchema,
  })
  .strict();

const ModelParametersRule = z
  .object({
    kind: z.literal('model-parameters'),
    select: z.object({ engine: OneOrMany.optional(), model: OneOrMany.optional() }).strict(),
    compare: CompareSchema,
    value: z.number(),
  })
  .strict();

const ModelBytesRule = z
  .object({
    kind: z.literal('model-bytes'),
    select: z.object({ engine: OneOrMany.optional(), model: OneOrMany.optional(), quant: OneOrMany.optional() }).strict(),
    compare: CompareSchema,
    value: z.number(),
  })
  .strict();

const CompareQualityRule = z
  .object({
    kind: z.literal('compare-quality'),
    metric: z.string().min(1),
    lowerIsBetter: z.boolean(),
    /** The claim's subject (e.g. SmolVLM2 on any engine); each engine × model × quant is one group. */
    subject: SelectorSchema,
    baseline: SelectorSchema,
    /** Fixture categories compared; fixtures are matched so both sides score the same images. */
    categories: z.array(z.string().min(1)).min(1),
    /** What the claim says: that the subject is worse, or better, than the baseline. */
    claimSays: z.enum(['subject-worse', 'subject-better']),
    /** The smallest difference that counts, in metric points (default: the quality band, src/verdict/band.ts). */
    minEffect: z.number().positive().optional(),
    /** The fewest shared fixtures a verdict may rest on (default 8). */
    minFixtures: z.number().int().min(2).optional(),
  })
  .strict();

const PlatformsRule = z
  .object({
    kind: z.literal('platforms'),
    select: SelectorSchema,
    /** Node platform names, plus `android` / `ios` (from a cell flag `platform:<name>`). */
    expected: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const FOOTPRINT_FIGURES = ['installBytes', 'packages', 'nativeBytes', 'modelBytes', 'processes', 'threads', 'spawnToReadyMs', 'readyToLoadedMs', 'timeToFirstResultMs'] as const;
export const FootprintFigureSchema = z.enum(FOOTPRINT_FIGURES);
export type FootprintFigure = z.infer<typeof FootprintFigureSchema>;

const FootprintRule = z
  .object({
    kind: z.literal('footprint'),
    engine: z.string().min(1),
    /** Shown beside the subject's figures. */
    baseline: z.string().min(1).optional(),
    figures: z.array(FootprintFigureSchema).min(1),
    /** Without a threshold the verdict is `measured` (informational). With one: subject figure / baseline figure compared with `ratio`. */
    threshold: z.object({ figure: FootprintFigureSchema, compare: CompareSchema, ratio: z.number().positive() }).strict().optional(),
  })
  .strict();

const FirstResultRule = z
  .object({
    kind: z.literal('first-result'),
    engine: z.string().min(1),
    /** Cold cache time to first result (+ install time when the footprint records it), compared with value (ms). */
    compare: CompareSchema,
    value: z.number().positive(),
  })
  .strict();

const UnmeasurableRule = z.object({ kind: z.literal('unmeasurable'), reason: z.string().min(1) }).strict();

export const RuleSchema = z.discriminatedUnion('kind', [
  AggregateRule,
  ExistsRule,
  OfflineRule,
  PrivateRule,
  ModelParametersRule,
  ModelBytesRule,
  CompareQualityRule,
  PlatformsRule,
  FootprintRule,
  FirstResultRule,
  UnmeasurableRule,
]);
export type Rule = z.infer<typeof RuleSchema>;
export type RuleOf<K extends Rule['kind']> = Extract<Rule, { kind: K }>;

export const ClaimSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    subject: z.string().min(1),
    /** The claim in the ledger's own words (a paraphrase, never a copy of the page). */
    claim: z.string().min(1),
    /** Where the page makes it, e.g. "comparison page § SmolVLM2 — model size". */
    source: z.string().min(1),
    check: RuleSchema,
    /** Run settings that would measure the claim, quoted when this run does not. */
    measureWith: z.string().min(1),
    /** Why the check is a fair reading of the claim (thresholds, scope). */
    rationale: z.string().optional(),
  })
  .strict();
export type Claim = z.infer<typeof ClaimSchema>;

export const LedgerSchema = z
  .object({
    version: z.literal(1),
    claims: z.array(z.unknown()),
  })
  .strict();

export interface Ledger {
  version: 1;
  claims: Claim[];
}

/** Validates a ledger; a malformed claim is a UserError naming the claim and the field. */
export function parseLedger(data: unknown, origin = 'ledger'): Ledger {
  const outer = LedgerSchema.safeParse(data);
  if (!outer.success) {
    const issue = outer.error.issues[0];
    throw new UserError(`${origin}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`);
  }
  const claims: Claim[] = [];
  const seen = new Set<string>();
  outer.data.claims.forEach((raw, index) => {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : `#${index}`;
    const parsed = ClaimSchema.safeParse(raw);
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(claim)'}: ${issue.message}`).join('; ');
      throw new UserError(`${origin}: claim "${id}" is malformed — ${details}`);
    }
    if (seen.has(parsed.data.id)) throw new UserError(`${origin}: claim "${id}" appears twice`);
    seen.add(parsed.data.id);
    claims.push(parsed.data);
  });
  return { version: 1, claims };
}
