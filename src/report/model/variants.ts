/** Variants (engine × model × quant × target): their ids, labels and what their weights are. */
import type { CellKey, Results } from '../../results/schema.js';
import type { Synthetic, Variant, Weights } from './types.js';

export function variantId(key: Pick<CellKey, 'engine' | 'model' | 'quant' | 'target'>): string {
  return [key.engine, key.model, key.quant, key.target].join('|');
}

export function deviceLabelOf(results: Results): string {
  return `${results.environment.cpu.model} · ${results.environment.hostname ?? 'unknown host'} · run ${results.run.id}`;
}

export function syntheticOf(results: Results, key: Pick<CellKey, 'engine' | 'model' | 'quant'>): Synthetic {
  const exact = results.models.find((m) => m.id === key.model && m.engine === key.engine && m.quant === key.quant);
  const loose = exact ?? results.models.find((m) => m.id === key.model && m.engine === key.engine) ?? results.models.find((m) => m.id === key.model);
  return loose?.synthetic ?? false;
}


/** Names each variant by as few of engine, model, quant and target as tell them apart. */
export function assignShortLabels(variants: Variant[]): void {
  const distinct = (pick: (v: Variant) => string): number => new Set(variants.map(pick)).size;
  const parts: Array<(v: Variant) => string> = [(v) => v.engine];
  if (distinct((v) => v.model) > 1) parts.push((v) => v.model);
  if (distinct((v) => `${v.engine}|${v.model}`) < variants.length) parts.push((v) => v.quant);
  if (distinct((v) => v.target) > 1) parts.push((v) => v.target);
  const labels = variants.map((v) => parts.map((part) => part(v)).join(' · '));
  const unique = new Set(labels).size === labels.length;
  variants.forEach((v, i) => {
    v.label = unique ? labels[i]! : v.fullLabel;
  });
}


export function weightsOf(synthetic: Synthetic, unverified = false): Weights {
  return synthetic === false ? (unverified ? 'unverified' : 'real') : synthetic;
}

/** The least real of several: a comparison is only as real as its least real side. */
export function weakestWeights(list: Weights[]): Weights {
  return list.includes('tiny') ? 'tiny' : list.includes('shape') ? 'shape' : list.includes('unverified') ? 'unverified' : 'real';
}

/** True when the run recorded the model's files as not shown to be the real checkpoint. */
export function unverifiedOf(results: Results, key: Pick<CellKey, 'engine' | 'model' | 'quant'>): boolean {
  const model = results.models.find((m) => m.id === key.model && m.engine === key.engine && m.quant === key.quant);
  return model?.verification?.status === 'unverified';
}

export const WEIGHTS_LABELS: Record<Weights, string> = {
  real: 'real weights',
  unverified: 'unverified model files',
  shape: 'shape-faithful random weights',
  tiny: 'tiny synthetic weights',
};
