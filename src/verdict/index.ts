/** The verdict module's public surface: the one place that decides "A is better than B". */
export { confirmedByFastest, decideDifference, decideRatio, decideRatioBetweenGroups, type Decision, type DecideOptions, type Outcome, type UnitKind } from './decide.js';
export {
  DEFAULT_ALPHA,
  DEFAULT_NOISE_BAND,
  DEFAULT_QUALITY_BAND,
  MIN_QUALITY_FIXTURES,
  SINGLE_PROCESS_BAND,
  effectiveRatioBand,
  formatBand,
  qualityBand,
} from './band.js';
export { differenceUnits, performanceSamples, processOf, ratioUnits, type DifferenceUnits, type Direction, type RatioUnit, type RatioUnits } from './units.js';
