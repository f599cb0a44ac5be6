/**
 * The device-runner protocol's message shapes (docs/device-runner-protocol.md is the spec a
 * device developer reads). Cells and environments reuse the results document's own zod
 * schemas, so a remote cell is checked exactly as a local one would be.
 */
import { z } from 'zod';
import { IMAGE_BUDGETS } from '../engines/image-budget.js';
import { CellSchema, EnvironmentSchema, TaskSchema } from '../results/schema.js';

export const PROTOCOL_VERSION = 'vlmbench-device-runner/1';

/** What every runner must use, decided once by the harness. */
export const DeviceSessionSettingsSchema = z.object({
  /** Prompt text per task (src/tasks.ts); the cell's prompt.text must equal it. */
  prompts: z.record(z.string(), z.string()),
  /** Generation limit per task; the cell's prompt.maxNewTokens must equal it. */
  maxNewTokens: z.record(z.string(), z.number().int().positive()),
  decoding: z.object({ greedy: z.literal(true), temperature: z.literal(0), seed: z.number().int() }),
  /** Counted runs per cell. */
  runs: z.number().int().positive(),
  /** Uncounted warm-up runs per cell, before the counted ones. */
  warmup: z.number().int().nonnegative(),
  threads: z.number().int().positive(),
  /** SmolVLM image splitting (do_image_splitting) on or off: off only under the `single` budget. */
  imageSplitting: z.boolean(),
  /** The run's --image-budget (docs/image-budget.md); absent from sessions of older harnesses. */
  imageBudget: z.enum(IMAGE_BUDGETS).optional(),
  /** Upper bound on one model load or one run, ms. */
  timeoutMs: z.number().int().positive(),
});
export type DeviceSessionSettings = z.infer<typeof DeviceSessionSettingsSchema>;

export const SessionFixtureSchema = z.object({
  id: z.string(),
  task: TaskSchema,
  category: z.string(),
  /** Absolute URL of the image bytes on the harness. */
  imageUrl: z.string(),
  sha256: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
});
export type SessionFixture = z.infer<typeof SessionFixtureSchema>;

export const SessionDocumentSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  settings: DeviceSessionSettingsSchema,
  fixtures: z.array(SessionFixtureSchema),
  /** Where to POST: absolute URLs. */
  endpoints: z.object({ cells: z.string(), done: z.string(), status: z.string() }),
});
export type SessionDocument = z.infer<typeof SessionDocumentSchema>;

/** POST …/cells: one finished cell, with the device that produced it. */
export const CellPostSchema = z.object({
  /** A human-readable device name, e.g. "Pixel 8 (Tensor G3)" or "rk3588-board-2". */
  device: z.string().min(1).max(200),
  environment: EnvironmentSchema,
  cell: CellSchema,
});
export type CellPost = z.infer<typeof CellPostSchema>;

export const CellAcceptedSchema = z.object({ accepted: z.literal(true), key: z.string(), received: z.number().int() });
export const ErrorBodySchema = z.object({ error: z.string() });
export const StatusSchema = z.object({ accepted: z.number().int(), rejected: z.number().int(), done: z.boolean() });

/** One line naming the first offending field of a zod error, e.g. `field "cell.samples.0.latencyMs": Too small: …`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid body';
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return `field "${field}": ${issue.message.split('\n')[0]}${more}`;
}
