/** `vlmbench tune`: sweep each engine's settings with small real runs and save the best as a profile. */
import type { TaskId } from '../engines/engine.js';
import { UserError } from '../engines/engine.js';
import { createProgress } from '../run/progress.js';
import { saveProfile } from '../tune/profile.js';
import { tune } from '../tune/sweep.js';

export interface TuneFlags {
  engines: string;
  models: string;
  task: string;
  fixture?: string;
  runs: string;
  warmup: string;
  maxNewTokens: string;
  profile: string;
  offline?: boolean;
}

export async function tuneCommand(flags: TuneFlags): Promise<number> {
  const models = flags.models.split(',').filter(Boolean);
  if (models.length !== 1) throw new UserError('tune one model at a time (--models <id>)');
  if (flags.task !== 'caption' && flags.task !== 'ocr') throw new UserError(`--task must be caption or ocr, not "${flags.task}"`);
  const profile = await tune({
    engines: flags.engines.split(',').filter(Boolean),
    model: models[0] as string,
    task: flags.task as TaskId,
    fixtureId: flags.fixture,
    runs: Number(flags.runs),
    warmup: Number(flags.warmup),
    maxNewTokens: Number(flags.maxNewTokens),
    offline: Boolean(flags.offline),
    progress: createProgress(process.stdout, true),
    log: (line) => console.log(line),
    profileName: flags.profile,
  });
  const path = saveProfile(profile);
  for (const [engine, best] of Object.entries(profile.best)) {
    const gain = best.defaultMedianLatencyMs ? ` (default ${best.defaultMedianLatencyMs.toFixed(0)} ms)` : '';
    const settings = [`quant ${best.quant}`, best.threadsSettable ? `${best.threads} threads` : 'threads not settable', ...Object.entries(best.engineOptions).map(([k, v]) => `${k}=${v}`)].join(', ');
    console.log(`best ${engine}: ${settings} — median ${best.medianLatencyMs.toFixed(0)} ms${gain}`);
    for (const note of profile.notSwept[engine] ?? []) console.log(`  not swept: ${note}`);
  }
  console.log(`profile written: ${path} (use it with: vlmbench run --profile ${profile.name})`);
  return 0;
}
