import type { GaussianHmm } from './hmm.js';

export type RegimeLabel = 'Bear' | 'Neutral' | 'Bull' | 'Crisis';

export interface StateSummary {
  state: number;
  meanReturn: number;
  volatility: number;
}

/**
 * Each state's mean return (feature 0) and volatility: the mean of the volatility feature (feature 1)
 * when present, otherwise the state's return standard deviation.
 */
export function summariseStates(model: GaussianHmm): StateSummary[] {
  const { means, vars } = model.params;
  return means.map((m, k) => ({
    state: k,
    meanReturn: m[0]!,
    volatility: m.length >= 2 ? m[1]! : Math.sqrt(vars[k]![0]!),
  }));
}

/**
 * Label states from their fitted mean return and volatility only (so the mapping is the same for any
 * refit that lands on the same means/vols, whatever the state numbering). Ties break on state index.
 *  - K ≥ 4: Crisis = highest volatility; among the rest Bull = highest mean, Bear = lowest mean,
 *           every other state Neutral (K = 5 has two Neutral states).
 *  - K = 3: no Crisis; Bull = highest mean, Bear = lowest mean, Neutral = the middle one.
 *  - K = 2: Bull = higher mean, Bear = lower mean.
 *  - K = 1: Neutral.
 */
export function labelStates(summaries: StateSummary[]): RegimeLabel[] {
  const K = summaries.length;
  const labels: RegimeLabel[] = new Array(K).fill('Neutral');
  if (K <= 1) return labels;
  let rest = summaries.map((s) => s.state);
  if (K >= 4) {
    const crisis = [...rest].sort((a, b) => summaries[b]!.volatility - summaries[a]!.volatility || a - b)[0]!;
    labels[crisis] = 'Crisis';
    rest = rest.filter((s) => s !== crisis);
  }
  const byMean = [...rest].sort((a, b) => summaries[a]!.meanReturn - summaries[b]!.meanReturn || a - b);
  labels[byMean[0]!] = 'Bear';
  labels[byMean[byMean.length - 1]!] = 'Bull';
  return labels;
}

export function labelModel(model: GaussianHmm): RegimeLabel[] {
  return labelStates(summariseStates(model));
}

const LABEL_RANK: Record<RegimeLabel, number> = { Bear: 0, Neutral: 1, Bull: 2, Crisis: 3 };

/**
 * Canonical state order so state indices are stable across refits too: Bear, Neutral(s), Bull, Crisis,
 * ties by mean return then volatility. Returns the permuted model and its labels.
 */
export function canonicalise(model: GaussianHmm): { model: GaussianHmm; labels: RegimeLabel[] } {
  const s = summariseStates(model);
  const labels = labelStates(s);
  const order = s
    .map((x) => x.state)
    .sort((a, b) => LABEL_RANK[labels[a]!] - LABEL_RANK[labels[b]!] || s[a]!.meanReturn - s[b]!.meanReturn || s[a]!.volatility - s[b]!.volatility || a - b);
  return { model: model.permute(order), labels: order.map((i) => labels[i]!) };
}
