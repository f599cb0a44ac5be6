/** The report model's shapes: what every renderer reads. */
import type { TaskId } from '../../engines/engine.js';
import type { Cell, CellKey, FixtureRecord, ModelRecord, Results, Summary } from '../../results/schema.js';
import type { ClaimVerdict } from '../../claims/evaluate.js';
import type { Footprint } from '../../footprint/schema.js';

export type Synthetic = false | 'tiny' | 'shape';
/** speed: end-to-end latency; ttft: time to first token; decode: tokens/s after the first; memory: per-run peak (host + worker). */
export type Aspect = 'speed' | 'ttft' | 'decode' | 'memory' | 'quality';
/** What the weights behind a figure are: the real checkpoint, random weights of the real shape, or tiny random weights. */
export type Weights = 'real' | 'unverified' | 'shape' | 'tiny';
export type VerdictOutcome = 'winner' | 'no-difference' | 'insufficient' | 'not-judged' | 'single-engine';

/** One engine × model × quant × target: the thing a verdict compares. */
export interface Variant {
  id: string;
  engine: string;
  model: string;
  quant: string;
  target: string;
  /** The shortest name that tells the report's variants apart (just the engine when each engine ran one model). */
  label: string;
  /** Engine, model, quantisation and (if not cpu) target. */
  fullLabel: string;
  synthetic: Synthetic;
  /** Real-checkpoint files that were not shown to be the checkpoint (run with --allow-unverified). */
  unverified?: boolean;
  /** Stable index across the whole report: picks colour and marker shape. */
  index: number;
}

export interface RunView {
  runId: string;
  deviceLabel: string;
  results: Results;
}

export interface MetricFigure {
  name: string;
  label: string;
  higherIsBetter: boolean;
  /** Mean of the per-fixture scores the cells carry. */
  mean: number | null;
  /** Corpus-level score recomputed with scoreTask from the outputs and references (CER: total edits / total length; CIDEr-D: IDF over the set). */
  corpus: number | null;
  n: number;
}

export interface VariantTaskFigures {
  variant: Variant;
  cells: Cell[];
  okCells: number;
  failedCells: number;
  unavailableCells: number;
  latency: Summary | null;
  ttft: Summary | null;
  decodeTokensPerSec: Summary | null;
  latencySamples: number[];
  /** Highest host VmHWM seen over the load and every sample, bytes. */
  hostPeakBytes: number | null;
  /** Highest worker (descendants) VmHWM, bytes. */
  workerPeakBytes: number | null;
  /** Highest host+worker total seen at one point of measurement, bytes. */
  totalPeakBytes: number | null;
  quality: MetricFigure[];
  /** True when the weights are synthetic (tiny or shape-faithful): quality is meaningless and left out. */
  qualityHidden: boolean;
  frames: number[];
  imageTokens: number[];
  promptTokens: number[];
}

export interface Verdict {
  runId: string;
  deviceLabel: string;
  task: TaskId;
  aspect: Aspect;
  /** Labels of the two variants compared (one when only one engine ran). */
  contenders: string[];
  winner: string | null;
  winnerVariant: string | null;
  /**
   * winner: significant AND its CI clears the noise band (src/verdict); no-difference: no clear
   * difference, the effect is within the band; insufficient: not enough evidence (the sentence
   * names what is missing); not-judged: synthetic weights or no metric; single-engine: nothing to compare.
   */
  outcome: VerdictOutcome;
  /** A few words for tables: "transformersjs 1.9× faster", "no clear difference". */
  short: string;
  /** The claim, in one plain sentence, with the statistic it rests on and the figures whose ratio it states. */
  sentence: string;
  /** What the claim rests on: units, samples, spread, the band, the fixture set. */
  evidence: string;
  /** The weakest weights of the contenders: a verdict on synthetic weights says so in its own fields. */
  weights: Weights;
  /** The winner's advantage (ratio aspects: ≥ 1) or A's advantage when there is no winner. */
  ratio?: number;
  ci95?: [number, number];
  pValue?: number;
  /** The noise band in force: relative for ratios (0.05 = ±5%), absolute metric points for quality. */
  band?: number;
  /** The replication unit and how many there were. */
  unit?: 'process' | 'fixture';
  units?: number;
  /** Processes per side that measured the figures (1 = one process per engine). */
  processes?: [number, number];
  /** The statistic the ratio or difference is computed from, in words. */
  statistic?: string;
  /** Each contender's figure, in contender order, whose ratio (or difference) the verdict states. */
  figures?: [number, number];
  figureUnit?: string;
  /** Process-to-process spread of each contender's figure, in words; null with one process. */
  spread?: string | null;
  /** Settings that differ between the contenders, shown next to the verdict they affect. */
  caveats: string[];
  /** The image budget the contenders ran with, as stated in the evidence ("Image budget: native."). */
  imageBudget?: string;
  n: number;
  fixtures: string[];
  metric?: string;
}

export interface TaskView {
  runId: string;
  deviceLabel: string;
  task: TaskId;
  fixtures: FixtureRecord[];
  headlineMetric: string | null;
  metricNames: string[];
  variants: VariantTaskFigures[];
  verdicts: Verdict[];
  /** The headline metric per fixture category (corpus-level within the category), per variant. */
  categories: Array<{ category: string; fixtures: number; values: Array<{ variant: Variant; value: number | null; n: number }> }>;
}

export interface FailureRow {
  runId: string;
  deviceLabel: string;
  key: CellKey;
  status: 'failed' | 'unavailable';
  reason: string;
}

export interface GalleryOutput {
  /** The cell key id (`cellKeyId`), so claims can link to the cell. */
  cellKey: string;
  runId: string;
  deviceLabel: string;
  variant: Variant;
  status: Cell['status'];
  reason: string | null;
  text: string | null;
  stableAcrossSamples: boolean | null;
  quality: Array<{ name: string; label: string; value: number | null }>;
  qualityHidden: boolean;
  latencyMedianMs: number | null;
}

export interface GalleryItem {
  task: TaskId;
  fixture: FixtureRecord;
  /** Candidate directories for the image, first the run's own fixtures dir. */
  imageDirs: string[];
  outputs: GalleryOutput[];
}

export interface FairnessRow {
  attribute: string;
  values: string[];
  differs: boolean;
}

/** What one variant encoded for one fixture (its first performance sample's record) and its speed per image and per frame. */
export interface ImageSeenCell {
  frames: number;
  /** "3×4 + global", "whole image". */
  grid: string;
  /** "512×512". */
  frameSize: string;
  imageTokens: number | null;
  /** measured, estimated, or unrecorded (older results). */
  source: string;
  /** Median latency of the fixture's performance samples, and that over the frames. */
  latencyMs: number | null;
  perFrameMs: number | null;
  /** Why this image could not get exactly the budget, when it could not. */
  note?: string;
}

export interface ImageSeenRow {
  task: TaskId;
  fixture: string;
  /** The fixture's size, "1240×1754". */
  input: string;
  /** One per FairnessView.variants entry; null where that variant has no image record for the fixture. */
  seen: Array<ImageSeenCell | null>;
  /** With two or more records: "same", or "differ: frames, grid, …"; null with fewer. */
  agreement: string | null;
}

export interface FairnessView {
  runId: string;
  deviceLabel: string;
  variants: Variant[];
  rows: FairnessRow[];
  /** Per fixture, what each vision engine encoded (src/report/model/image-seen.ts). */
  imagesSeen: ImageSeenRow[];
  /** Engine-reported reasons (load notes), per variant label. */
  notes: Array<{ variant: string; notes: string[] }>;
  settings: Array<[string, string]>;
  prompts: Array<[string, string]>;
}

export interface CrossDeviceRow {
  keyId: string;
  key: CellKey;
  /** One entry per run, in run order; null where that run lacks the cell or it failed. */
  perRun: Array<{ latencyMedianMs: number | null; ttftMedianMs: number | null; totalPeakBytes: number | null; status: string | null }>;
  comparable: boolean;
  differences: string[];
}

export interface CrossDeviceGroup {
  variant: Variant;
  task: TaskId;
  /** Median latency over every counted sample of the group, per run. */
  latencyMedianMs: Array<number | null>;
}

export interface CrossDeviceView {
  runs: Array<{ runId: string; deviceLabel: string }>;
  rows: CrossDeviceRow[];
  groups: CrossDeviceGroup[];
  /** Plain sentences on what is and is not comparable across the runs. */
  statements: string[];
}

export interface ReportModel {
  title: string;
  generatedAt: string;
  runs: RunView[];
  variants: Variant[];
  engines: string[];
  models: Array<ModelRecord & { runId: string }>;
  synthetic: { tiny: string[]; shape: string[] };
  incompleteRuns: string[];
  tasks: TaskView[];
  verdicts: Verdict[];
  failures: FailureRow[];
  gallery: GalleryItem[];
  fairness: FairnessView[];
  crossDevice: CrossDeviceView | null;
  /** The comparison page's claims checked against these runs (claims/ledger.json). */
  claims: ClaimVerdict[];
  /** Per-engine footprint, per run that measured it. */
  footprints: Array<{ runId: string; deviceLabel: string; footprint: Footprint }>;
}

export interface BuildOptions {
  title?: string;
  /** Extra directories to look for fixture images in (after each run's own fixtures dir). */
  fixturesDirs?: string[];
  /** Fixed clock for reproducible output (tests). */
  now?: Date;
  /** The noise band δ for ratio verdicts (0.05 = ±5%); default: the run's setting, else DEFAULT_NOISE_BAND. */
  noiseBand?: number;
}
