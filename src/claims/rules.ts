/**
 * Declarative rule evaluation: one rule over the cells, models, environment and footprint
 * of one or more results documents gives a verdict, the deciding figures and the cells
 * behind them. Synthetic weights never decide a size or quality claim.
 */
import { readFootprint } from '../footprint/collect.js';
import type { EngineFootprint } from '../footprint/schema.js';
import { cellKeyId, type Cell, type Results } from '../results/schema.js';
import { DOWNLOAD_IN_LOAD_FLAG, isRealCheckpoint } from '../results/real-weights.js';
import { median } from '../stats/percentile.js';
import type { Compare, FootprintFigure, Rule, RuleOf, Selector } from './schema.js';
import { privateRule } from './private-rule.js';
import { decideCompareQuality } from './compare-quality-rule.js';

export const VERDICTS = ['supported', 'contradicted', 'partly supported', 'measured', 'not measured in this run', 'unmeasurable'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface RuleOutcome {
  verdict: Verdict;
  /** The deciding figures in words. */
  evidence: string;
  figures: Record<string, number | string | boolean | null>;
  /** cellKeyId of the cells that decide the verdict. */
  cells: string[];
}

interface CellInRun {
  cell: Cell;
  run: Results;
  id: string;
  category: string | null;
  platform: string | null;
  /** false for real weights; 'unknown' when the run has no record of the model. */
  synthetic: false | 'tiny' | 'shape' | 'unknown';
}

const MAX_CELLS = 12;

function matches(pattern: string | string[] | undefined, value: string | null): boolean {
  if (pattern === undefined) return true;
  if (value === null) return false;
  return (Array.isArray(pattern) ? pattern : [pattern]).some((one) => (one.endsWith('*') ? value.startsWith(one.slice(0, -1)) : value === one));
}

/**
 * The platform a cell ran on: a `platform:<name>` flag (set by whoever knows, e.g. a browser attached
 * over CDP to a phone), else for a device-runner cell the device's environment recorded under
 * `environment.extra.devices[<remoteDevice>]`, else the run's own platform. A remote cell whose
 * platform is unknown is `null`: it never counts as the host's platform.
 */
export function platformOf(cell: Cell, run: Results): string | null {
  const flag = (cell.flags ?? []).find((one) => one.startsWith('platform:'));
  if (flag) return flag.slice('platform:'.length);
  const remote = cell.remoteDevice !== undefined || (cell.flags ?? []).includes('remote');
  if (!remote) return run.environment.os.platform;
  const devices = run.environment.extra?.devices as Record<string, { os?: { platform?: unknown } }> | undefined;
  const platform = cell.remoteDevice !== undefined ? devices?.[cell.remoteDevice]?.os?.platform : undefined;
  return typeof platform === 'string' ? platform : null;
}

function allCells(results: Results[]): CellInRun[] {
  return results.flatMap((run) =>
    run.cells.map((cell) => {
      const platform = platformOf(cell, run);
      const model = run.models.find((record) => record.id === cell.key.model && record.engine === cell.key.engine);
      const fixture = run.fixtures.items.find((item) => item.id === cell.key.fixture);
      return { cell, run, id: cellKeyId(cell.key), category: fixture?.category ?? null, platform, synthetic: model && (model.synthetic !== false || isRealCheckpoint(model)) ? model.synthetic : ('unknown' as const) };
    }),
  );
}

function selectCells(cells: CellInRun[], select: Selector): CellInRun[] {
  return cells.filter(
    ({ cell, category, platform, synthetic }) =>
      matches(select.engine, cell.key.engine) &&
      matches(select.model, cell.key.model) &&
      matches(select.quant, cell.key.quant) &&
      matches(select.target, cell.key.target) &&
      matches(select.task, cell.key.task) &&
      matches(select.fixture, cell.key.fixture) &&
      matches(select.category, category) &&
      matches(select.platform, platform) &&
      (select.status === undefined || cell.status === select.status) &&
      (select.flag === undefined || (cell.flags ?? []).includes(select.flag)) &&
      (select.synthetic === undefined || (select.synthetic ? synthetic !== false : synthetic === false)),
  );
}

function describeSelector(select: Selector): string {
  const parts = Object.entries(select).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('|') : String(value)}`);
  return parts.length > 0 ? parts.join(', ') : 'any cell';
}

export function compareWith(left: number, compare: Compare, right: number): boolean {
  switch (compare) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
  }
}

export function formatValue(value: number, unit?: string): string {
  switch (unit) {
    case 'bytes':
      // Decimal units, as the page states sizes ("2 GB") and the footprint table prints them.
      return value >= 1e9 ? `${(value / 1e9).toFixed(2)} GB` : `${(value / 1e6).toFixed(1)} MB`;
    case 'ms':
      return value >= 60_000 ? `${(value / 60_000).toFixed(1)} min` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
    case 'parameters':
      return value >= 1e9 ? `${(value / 1e9).toFixed(2)}B` : `${Math.round(value / 1e6)}M`;
    case 'fraction':
      return value.toFixed(3);
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(3);
  }
}

function notMeasured(why: string, measureWith: string, figures: RuleOutcome['figures'] = {}): RuleOutcome {
  return { verdict: 'not measured in this run', evidence: `${why}. To measure it: ${measureWith}`, figures, cells: [] };
}

const ONLY_SYNTHETIC = 'only synthetic weights in this run (synthetic models never decide a size or quality claim; nor do unverified model files)';

/** "only synthetic weights (tiny-smolvlm)" when the engines in question ran nothing but synthetic models, else the fallback. */
function syntheticOr(results: Results[], engine: string | string[] | undefined, fallback: string): string {
  const models = results.flatMap((run) => run.models).filter((model) => matches(engine, model.engine));
  if (models.length > 0 && models.every((model) => !isRealCheckpoint(model))) {
    return `${ONLY_SYNTHETIC}: ${[...new Set(models.map((model) => model.id))].join(', ')}`;
  }
  return fallback;
}

function realOnly(cells: CellInRun[]): CellInRun[] {
  return cells.filter((entry) => entry.synthetic === false);
}

function ids(cells: CellInRun[]): string[] {
  return [...new Set(cells.map((entry) => entry.id))].slice(0, MAX_CELLS);
}

/** Values of one field over the selected cells, each with the cell it came from. */
function fieldValues(entry: CellInRun, field: string): number[] {
  const { cell } = entry;
  if (field.startsWith('quality.')) {
    const value = cell.quality?.[field.slice('quality.'.length)];
    return typeof value === 'number' ? [value] : [];
  }
  if (field === 'load.ms') return cell.load && !cell.flags?.includes(DOWNLOAD_IN_LOAD_FLAG) ? [cell.load.ms] : [];
  if (field === 'load.hostPeakRssBytes' || field === 'load.workerPeakRssBytes') {
    const value = cell.load?.memory[field === 'load.hostPeakRssBytes' ? 'hostPeakRssBytes' : 'workerPeakRssBytes'];
    return typeof value === 'number' ? [value] : [];
  }
  return cell.samples.flatMap((sample) => {
    const value =
      field === 'totalPeakRssBytes'
        ? sample.peakRssBytes === null
          ? null
          : sample.peakRssBytes + (sample.workerPeakRssBytes ?? 0)
        : (sample as unknown as Record<string, unknown>)[field];
    return typeof value === 'number' ? [value] : [];
  });
}

function aggregateRule(rule: RuleOf<'aggregate'>, cells: CellInRun[], measureWith: string): RuleOutcome {
  const selected = selectCells(cells, rule.select).filter((entry) => rule.select.status !== undefined || entry.cell.status === 'ok');
  if (selected.length === 0) return notMeasured(`no ok cell matches ${describeSelector(rule.select)}`, measureWith);
  const usable = rule.realWeightsOnly ? realOnly(selected) : selected;
  if (usable.length === 0) return notMeasured(ONLY_SYNTHETIC, measureWith);
  const values = usable.flatMap((entry) => fieldValues(entry, rule.field).map((value) => ({ value, entry })));
  if (values.length === 0 && rule.op !== 'count') return notMeasured(`the matching cells have no ${rule.field}`, measureWith);
  const numbers = values.map((item) => item.value);
  let result: number;
  let deciding = usable;
  switch (rule.op) {
    case 'max':
    case 'min': {
      const best = values.reduce((a, b) => ((rule.op === 'max' ? b.value > a.value : b.value < a.value) ? b : a));
      result = best.value;
      deciding = [best.entry];
      break;
    }
    case 'mean':
      result = numbers.reduce((a, b) => a + b, 0) / numbers.length;
      break;
    case 'median':
      result = median(numbers);
      break;
    case 'sum':
      result = numbers.reduce((a, b) => a + b, 0);
      break;
    case 'count':
      result = usable.length;
      break;
  }
  const holds = compareWith(result, rule.compare, rule.value);
  const label = `${rule.op} ${rule.field}`;
  return {
    verdict: holds ? 'supported' : 'contradicted',
    evidence: `${label} = ${formatValue(result, rule.unit)} over ${usable.length} cell(s) (${describeSelector(rule.select)}), ${holds ? '' : 'not '}${rule.compare} ${formatValue(rule.value, rule.unit)}`,
    figures: { [label]: result, threshold: rule.value, cells: usable.length },
    cells: ids(deciding),
  };
}

function existsRule(rule: RuleOf<'exists'>, cells: CellInRun[], results: Results[], measureWith: string): RuleOutcome {
  const selectors = Array.isArray(rule.select) ? rule.select : [rule.select];
  const pool = rule.realWeightsOnly ? realOnly(cells) : cells;
  const runs = [...new Set(pool.map((entry) => entry.run))];
  for (const run of runs) {
    const inRun = pool.filter((entry) => entry.run === run);
    const found = selectors.map((select) => selectCells(inRun, { ...select, status: 'ok' }));
    if (found.every((list) => list.length > 0)) {
      const counts = selectors.map((select, index) => `${found[index]?.length ?? 0} ok cell(s) with ${describeSelector(select)}`);
      return {
        verdict: 'supported',
        evidence: `run ${run.run.id}: ${counts.join('; ')}`,
        figures: Object.fromEntries(selectors.map((select, index) => [describeSelector(select), found[index]?.length ?? 0])),
        cells: ids(found.flatMap((list) => list.slice(0, Math.max(1, Math.floor(MAX_CELLS / selectors.length))))),
      };
    }
  }
  const failed = selectors.flatMap((select) => selectCells(pool, { ...select, status: 'failed' }));
  const anyOk = selectors.map((select) => selectCells(pool, { ...select, status: 'ok' }).length > 0);
  if (rule.failedContradicts && failed.length > 0) {
    const reasons = [...new Set(failed.map((entry) => entry.cell.reason ?? 'no reason'))].slice(0, 3);
    return {
      verdict: 'contradicted',
      evidence: `the matching cells ran and failed (${failed.length}): ${reasons.join(' / ')}`,
      figures: { failed: failed.length },
      cells: ids(failed),
    };
  }
  const missing = selectors.filter((_, index) => !anyOk[index]).map(describeSelector);
  const syntheticOnly = rule.realWeightsOnly && selectors.some((select) => selectCells(cells, { ...select, status: 'ok' }).length > 0);
  const fallback = `no run has an ok cell with ${missing.length > 0 ? missing.join(' and ') : 'all of the selectors together'}`;
  const engines = selectors.flatMap((select) => select.engine ?? []);
  const onlySyntheticHere = rule.realWeightsOnly && syntheticOr(results, engines.length > 0 ? engines : undefined, '') !== '';
  const why = syntheticOnly ? ONLY_SYNTHETIC : onlySyntheticHere ? `${fallback} (${syntheticOr(results, engines.length > 0 ? engines : undefined, '')})` : fallback;
  return notMeasured(why, measureWith);
}

function networkOf(run: Results): { offline: boolean; method?: string } | null {
  const network = run.environment.extra?.network as { offline?: unknown; method?: unknown } | undefined;
  if (!network || typeof network.offline !== 'boolean') return null;
  return { offline: network.offline, method: typeof network.method === 'string' ? network.method : undefined };
}

function offlineRule(rule: RuleOf<'offline'>, cells: CellInRun[], results: Results[], measureWith: string): RuleOutcome {
  const offlineRuns = results.filter((run) => networkOf(run)?.offline === true);
  if (offlineRuns.length === 0) {
    const recorded = results.some((run) => networkOf(run) !== null);
    return notMeasured(recorded ? 'the run had a network (environment.extra.network.offline is false)' : 'the run did not record its network state', measureWith);
  }
  const inOffline = cells.filter((entry) => offlineRuns.includes(entry.run));
  const ok = selectCells(inOffline, { ...rule.select, status: 'ok' });
  const failed = selectCells(inOffline, { ...rule.select, status: 'failed' });
  if (ok.length > 0) {
    const models = [...new Set(ok.map((entry) => `${entry.cell.key.model}${entry.synthetic === false ? '' : ' (synthetic, local files)'}`))];
    return {
      verdict: 'supported',
      evidence: `${ok.length} ok cell(s) with ${describeSelector(rule.select)} in a run with no network (${models.join(', ')})${failed.length > 0 ? `; ${failed.length} failed` : ''}`,
      figures: { ok: ok.length, failed: failed.length, offline: true },
      cells: ids(ok),
    };
  }
  if (failed.length > 0) {
    const reasons = [...new Set(failed.map((entry) => entry.cell.reason ?? 'no reason'))].slice(0, 3);
    return { verdict: 'contradicted', evidence: `with no network every matching cell failed (${failed.length}): ${reasons.join(' / ')}`, figures: { ok: 0, failed: failed.length, offline: true }, cells: ids(failed) };
  }
  return notMeasured(`the offline run has no cell with ${describeSelector(rule.select)}`, measureWith);
}

function modelsMatching(results: Results[], select: { engine?: string | string[]; model?: string | string[]; quant?: string | string[] }) {
  const seen = new Map<string, Results['models'][number]>();
  for (const run of results) {
    for (const model of run.models) {
      if (matches(select.engine, model.engine) && matches(select.model, model.id) && matches(select.quant, model.quant)) seen.set(`${model.engine}|${model.id}|${model.quant}`, model);
    }
  }
  return [...seen.values()];
}

function cellsOfModels(cells: CellInRun[], models: Array<{ id: string; engine: string }>): CellInRun[] {
  return cells.filter((entry) => entry.cell.status === 'ok' && models.some((model) => model.id === entry.cell.key.model && model.engine === entry.cell.key.engine));
}

function modelFigureRule(
  rule: RuleOf<'model-parameters'> | RuleOf<'model-bytes'>,
  cells: CellInRun[],
  results: Results[],
  measureWith: string,
): RuleOutcome {
  const models = modelsMatching(results, rule.select);
  if (models.length === 0) return notMeasured(syntheticOr(results, rule.select.engine, `no model with ${describeSelector(rule.select)} in this run`), measureWith);
  const real = models.filter(isRealCheckpoint);
  if (real.length === 0) return notMeasured(ONLY_SYNTHETIC, measureWith);
  const unit = rule.kind === 'model-parameters' ? 'parameters' : 'bytes';
  const figures = real.flatMap((model) => {
    const value = rule.kind === 'model-parameters' ? model.parameters : model.files.length > 0 ? model.files.reduce((sum, file) => sum + file.bytes, 0) : undefined;
    return value === undefined ? [] : [{ model, value }];
  });
  if (figures.length === 0) return notMeasured(rule.kind === 'model-parameters' ? 'the models in this run carry no parameter count' : 'the models in this run list no files', measureWith);
  const failing = figures.filter((figure) => !compareWith(figure.value, rule.compare, rule.value));
  const deciding = failing.length > 0 ? failing : figures;
  const words = figures.map((figure) => `${figure.model.engine}/${figure.model.id} (${figure.model.quant}) ${formatValue(figure.value, unit)}`);
  return {
    verdict: failing.length === 0 ? 'supported' : 'contradicted',
    evidence: `${words.join('; ')} — ${failing.length === 0 ? 'all' : `${failing.length} not`} ${rule.compare} ${formatValue(rule.value, unit)}`,
    figures: Object.fromEntries([...figures.map((figure) => [`${figure.model.engine}/${figure.model.id}/${figure.model.quant}`, figure.value] as const), ['threshold', rule.value] as const]),
    cells: ids(cellsOfModels(cells, deciding.map((figure) => figure.model))),
  };
}

function compareQualityRule(rule: RuleOf<'compare-quality'>, cells: CellInRun[], results: Results[], measureWith: string): RuleOutcome {
  const scored = (select: Selector) =>
    selectCells(cells, { ...select, status: 'ok', category: rule.categories }).filter((entry) => typeof entry.cell.quality?.[rule.metric] === 'number');
  const subjectAll = scored(rule.subject);
  const baselineAll = scored(rule.baseline);
  const subject = realOnly(subjectAll);
  const baseline = realOnly(baselineAll);
  const scope = `${rule.metric} on ${rule.categories.join(', ')}`;
  if (subject.length === 0) {
    const fallback = `no ok real-weight cell with ${describeSelector(rule.subject)} and ${scope}`;
    return notMeasured(subjectAll.length > 0 ? `subject side: ${ONLY_SYNTHETIC}` : syntheticOr(results, rule.subject.engine, fallback), measureWith);
  }
  if (baseline.length === 0) return notMeasured(`no ok baseline cell with ${describeSelector(rule.baseline)} and ${scope}`, measureWith);
  if (!subject.some((entry) => baseline.some((b) => b.cell.key.fixture === entry.cell.key.fixture))) {
    return notMeasured(`the subject and the baseline scored no fixture in common (${scope})`, measureWith);
  }
  const outcome = decideCompareQuality(rule, subject, baseline);
  if (outcome.verdict === 'not measured in this run') return notMeasured(outcome.evidence, measureWith, outcome.figures);
  return { verdict: outcome.verdict, evidence: outcome.evidence, figures: outcome.figures, cells: [...new Set(outcome.deciding.map((entry) => entry.id))].slice(0, MAX_CELLS) };
}

const PLATFORM_NAMES: Record<string, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows', android: 'Android', ios: 'iOS' };

function platformName(id: string): string {
  return PLATFORM_NAMES[id] ?? id;
}


function platformsRule(rule: RuleOf<'platforms'>, cells: CellInRun[], measureWith: string): RuleOutcome {
  const selected = selectCells(cells, rule.select).filter((entry) => entry.platform !== null);
  const platformOfEntry = (entry: CellInRun): string => entry.platform as string;
  const okPlatforms = new Set(selected.filter((entry) => entry.cell.status === 'ok').map(platformOfEntry));
  const failedOnly = [...new Set(selected.filter((entry) => entry.cell.status === 'failed').map(platformOfEntry))].filter((platform) => !okPlatforms.has(platform));
  const present = rule.expected.filter((platform) => okPlatforms.has(platform));
  const absent = rule.expected.filter((platform) => !okPlatforms.has(platform) && !failedOnly.includes(platform));
  const figures = Object.fromEntries(rule.expected.map((platform) => [platform, okPlatforms.has(platform) ? 'ok' : failedOnly.includes(platform) ? 'failed' : 'not measured']));
  const absentWords = absent.length > 0 ? `; not measured on ${absent.map(platformName).join(', ')}` : '';
  if (failedOnly.length > 0) {
    const failed = selected.filter((entry) => entry.cell.status === 'failed' && failedOnly.includes(platformOfEntry(entry)));
    return { verdict: 'contradicted', evidence: `every matching cell failed on ${failedOnly.map(platformName).join(', ')}${absentWords}`, figures, cells: ids(failed) };
  }
  if (present.length === 0) return notMeasured(`no ok cell with ${describeSelector(rule.select)} on ${rule.expected.map(platformName).join(', ')}`, measureWith, figures);
  const deciding = present.map((platform) => selected.find((entry) => entry.cell.status === 'ok' && entry.platform === platform) as CellInRun);
  return {
    verdict: absent.length === 0 ? 'supported' : 'partly supported',
    evidence: `ok on ${present.map(platformName).join(', ')} (${present.length} of ${rule.expected.length} platforms)${absentWords}${absent.length > 0 ? ` — ${measureWith}` : ''}`,
    figures,
    cells: ids(deciding),
  };
}

const FIGURE_UNITS: Record<FootprintFigure, string> = {
  installBytes: 'bytes',
  packages: 'count',
  nativeBytes: 'bytes',
  modelBytes: 'bytes',
  processes: 'count',
  threads: 'count',
  spawnToReadyMs: 'ms',
  readyToLoadedMs: 'ms',
  timeToFirstResultMs: 'ms',
};

const FIGURE_LABELS: Record<FootprintFigure, string> = {
  installBytes: 'installed',
  packages: 'packages',
  nativeBytes: 'native code',
  modelBytes: 'model files',
  processes: 'processes',
  threads: 'threads',
  spawnToReadyMs: 'spawn→ready',
  readyToLoadedMs: 'ready→loaded',
  timeToFirstResultMs: 'time to first result',
};

/** One figure of an engine's footprint; census figures take the largest host, timings the first. */
export function footprintFigure(engine: EngineFootprint, figure: FootprintFigure): number | null {
  switch (figure) {
    case 'installBytes':
      return engine.install?.bytes ?? null;
    case 'packages':
      return engine.install?.packages ?? null;
    case 'nativeBytes':
      return engine.install?.nativeBytes ?? null;
    case 'modelBytes':
      return engine.models.length > 0 ? Math.max(...engine.models.map((model) => model.bytes)) : null;
    case 'processes':
    case 'threads':
      return engine.census.length > 0 ? Math.max(...engine.census.map((census) => census[figure])) : null;
    case 'spawnToReadyMs':
    case 'readyToLoadedMs':
    case 'timeToFirstResultMs':
      return engine.coldStart[0]?.[figure] ?? null;
  }
}

function engineFootprint(results: Results[], engine: string): { footprint: EngineFootprint; run: Results } | null {
  for (const run of results) {
    const found = readFootprint(run)?.engines.find((entry) => entry.engine === engine);
    if (found) return { footprint: found, run };
  }
  return null;
}

function firstOkCell(cells: CellInRun[], engine: string): CellInRun[] {
  const found = cells.find((entry) => entry.cell.key.engine === engine && entry.cell.status === 'ok');
  return found ? [found] : [];
}

function footprintRule(rule: RuleOf<'footprint'>, cells: CellInRun[], results: Results[], measureWith: string): RuleOutcome {
  const subject = engineFootprint(results, rule.engine);
  if (!subject) return notMeasured(`the run recorded no footprint for ${rule.engine}`, measureWith);
  const baseline = rule.baseline ? engineFootprint(results, rule.baseline) : null;
  if (rule.baseline && !baseline) return notMeasured(`the run recorded no footprint for the baseline ${rule.baseline}`, measureWith);
  const figures: RuleOutcome['figures'] = {};
  const describe = (name: string, footprint: EngineFootprint): string =>
    `${name}: ` +
    rule.figures
      .map((figure) => {
        const value = footprintFigure(footprint, figure);
        figures[`${name} ${figure}`] = value;
        return `${value === null ? 'n/a' : formatValue(value, FIGURE_UNITS[figure])} ${FIGURE_LABELS[figure]}`;
      })
      .join(', ');
  const words = [describe(rule.engine, subject.footprint), ...(baseline && rule.baseline ? [describe(rule.baseline, baseline.footprint)] : [])].join(' vs ');
  const deciding = [...firstOkCell(cells, rule.engine), ...(rule.baseline ? firstOkCell(cells, rule.baseline) : [])];
  if (!rule.threshold) return { verdict: 'measured', evidence: words, figures, cells: ids(deciding) };
  const mine = footprintFigure(subject.footprint, rule.threshold.figure);
  const theirs = baseline ? footprintFigure(baseline.footprint, rule.threshold.figure) : 1;
  if (mine === null || theirs === null || theirs === 0) return notMeasured(`${FIGURE_LABELS[rule.threshold.figure]} is missing on one side`, measureWith, figures);
  const ratio = mine / theirs;
  figures.ratio = ratio;
  const holds = compareWith(ratio, rule.threshold.compare, rule.threshold.ratio);
  return {
    verdict: holds ? 'supported' : 'contradicted',
    evidence: `${words}; ${FIGURE_LABELS[rule.threshold.figure]} ratio ${ratio.toFixed(2)}× is ${holds ? '' : 'not '}${rule.threshold.compare} ${rule.threshold.ratio}×`,
    figures,
    cells: ids(deciding),
  };
}

/** Cold starts needed before a first-result verdict stops resting on one process's luck. */
export const MIN_COLD_STARTS = 3;

function firstResultRule(rule: RuleOf<'first-result'>, cells: CellInRun[], results: Results[], measureWith: string): RuleOutcome {
  // Every run that recorded this engine's footprint contributes its cold starts of real models.
  const runs = results.flatMap((run) => {
    const footprint = readFootprint(run)?.engines.find((entry) => entry.engine === rule.engine);
    return footprint ? [{ run, footprint }] : [];
  });
  if (runs.length === 0) return notMeasured(`the run recorded no footprint for ${rule.engine}`, measureWith);
  const coldReal = runs.flatMap(({ run, footprint }) => {
    const realModels = new Set(run.models.filter((model) => model.engine === rule.engine && isRealCheckpoint(model)).map((model) => model.id));
    const installMs = readFootprint(run)?.installMs;
    return footprint.coldStart
      .filter((entry) => entry.cacheCold === true && realModels.has(entry.model))
      .map((entry) => ({ entry, run, installMs, totalMs: entry.timeToFirstResultMs + (installMs ?? 0) }));
  });
  if (coldReal.length === 0) {
    const all = runs.flatMap(({ footprint }) => footprint.coldStart);
    const why = all.length === 0 ? 'no cold-start figures were recorded' : all.every((entry) => entry.cacheCold !== true) ? 'the model cache was not cold (or not known to be)' : ONLY_SYNTHETIC;
    return notMeasured(why, measureWith);
  }
  const totals = coldReal.map((item) => item.totalMs).sort((a, b) => a - b);
  const decidingValue = median(totals);
  const holds = compareWith(decidingValue, rule.compare, rule.value);
  const withInstall = coldReal.filter((item) => item.installMs !== undefined).length;
  const installWords =
    withInstall === coldReal.length ? 'install time included' : withInstall === 0 ? 'install time not recorded, so not included' : `install time included for ${withInstall} of ${coldReal.length}`;
  const basis =
    coldReal.length >= MIN_COLD_STARTS
      ? `median of ${coldReal.length} cold-cache starts ${formatValue(decidingValue, 'ms')} (range ${formatValue(totals[0] as number, 'ms')}–${formatValue(totals[totals.length - 1] as number, 'ms')})`
      : `${formatValue(decidingValue, 'ms')}${coldReal.length === 1 ? '' : ` (median of ${coldReal.length})`}, resting on ${coldReal.length} cold-cache start${coldReal.length === 1 ? '' : 's'} only — ${MIN_COLD_STARTS} are needed for a verdict that survives one process's luck: repeat the cold run and report the results together`;
  const models = [...new Set(coldReal.map((item) => item.entry.model))].join(', ');
  return {
    verdict: holds ? 'supported' : 'contradicted',
    evidence: `time to first result (resolve/download + spawn + load + first inference; ${installWords}) of ${models}: ${basis}; ${holds ? '' : 'not '}${rule.compare} ${formatValue(rule.value, 'ms')}`,
    figures: { totalMs: decidingValue, coldStarts: coldReal.length, timeToFirstResultMs: median(coldReal.map((item) => item.entry.timeToFirstResultMs)), threshold: rule.value },
    cells: ids(cells.filter((entry) => entry.cell.key.engine === rule.engine && coldReal.some((item) => item.entry.model === entry.cell.key.model) && entry.cell.status === 'ok').slice(0, 1)),
  };
}

export function evaluateRule(rule: Rule, results: Results[], measureWith: string): RuleOutcome {
  const cells = allCells(results);
  switch (rule.kind) {
    case 'aggregate':
      return aggregateRule(rule, cells, measureWith);
    case 'exists':
      return existsRule(rule, cells, results, measureWith);
    case 'offline':
      return offlineRule(rule, cells, results, measureWith);
    case 'private':
      return privateRule(offlineRule({ kind: 'offline', select: rule.select }, cells, results, measureWith), selectCells(cells, rule.select), measureWith);
    case 'model-parameters':
    case 'model-bytes':
      return modelFigureRule(rule, cells, results, measureWith);
    case 'compare-quality':
      return compareQualityRule(rule, cells, results, measureWith);
    case 'platforms':
      return platformsRule(rule, cells, measureWith);
    case 'footprint':
      return footprintRule(rule, cells, results, measureWith);
    case 'first-result':
      return firstResultRule(rule, cells, results, measureWith);
    case 'unmeasurable':
      return { verdict: 'unmeasurable', evidence: rule.reason, figures: {}, cells: [] };
  }
}
