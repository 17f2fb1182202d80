import { SeededRandom } from '../random/seeded-random.js';
import { binomialTwoSidedPValue } from './binomial-test.js';

/**
 * Importance of every column of a row-major matrix for predicting y (larger = more important).
 * Boruta calls it once per round on [real features | shadow features]; the caller plugs in a
 * random forest. It must return nCols finite values and be deterministic for a given seed.
 */
export type ImportanceFunction = (
  X: Float64Array,
  nRows: number,
  nCols: number,
  y: Float64Array,
  seed: number,
) => Float64Array;

export type BorutaDecision = 'confirmed' | 'tentative' | 'rejected';

/**
 * How the per-round tests are corrected for multiplicity:
 * - `bonferroni`: a feature is decided when its two-sided p-value ≤ alpha / m, m being the
 *   number of features still undecided in that round (R's Boruta).
 * - `two-step`: Benjamini–Hochberg at alpha over the undecided features, and also
 *   p ≤ alpha / round to account for testing the same feature round after round (BorutaPy's
 *   `two_step`). Stricter early on, less strict when many features are undecided.
 */
export type BorutaCorrection = 'bonferroni' | 'two-step';

export interface BorutaData {
  /** Row-major feature matrix, nRows × nFeatures. */
  readonly X: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly names: readonly string[];
  /** Target, one per row. */
  readonly y: Float64Array;
}

export interface BorutaOptions {
  readonly importance: ImportanceFunction;
  readonly seed: number;
  /** Default 100. */
  readonly maxRounds?: number;
  /** Significance level of the decision tests, default 0.01. */
  readonly alpha?: number;
  /** Default 'bonferroni'. */
  readonly correction?: BorutaCorrection;
  /**
   * Leave rejected features (and their shadows) out of later rounds, default false. Cheaper with
   * a real forest, but it changes the shadow pool, so results differ from the default.
   */
  readonly dropRejected?: boolean;
  /** Called after every round (progress reporting). */
  readonly onRound?: (round: BorutaRound) => void;
}

export interface BorutaRound {
  /** 1-based. */
  readonly round: number;
  /** Importance of each real feature (by original index); NaN when it was left out this round. */
  readonly importances: Float64Array;
  /** Importance of each feature's shadow (by original index); NaN when left out. */
  readonly shadowImportances: Float64Array;
  /** The bar a real feature had to beat (strictly) to score a hit. */
  readonly shadowMax: number;
  /** Names of the still-undecided features that scored a hit this round. */
  readonly hits: readonly string[];
  readonly confirmed: readonly string[];
  readonly rejected: readonly string[];
}

export interface BorutaFeatureResult {
  readonly name: string;
  readonly index: number;
  readonly decision: BorutaDecision;
  /** Hits and rounds the decision rests on: counting stops when the feature is decided. */
  readonly hits: number;
  readonly rounds: number;
  /** Two-sided binomial p-value (H0: hit rate 0.5) of hits out of rounds. */
  readonly pValue: number;
  /** Round in which the feature was confirmed or rejected; null while tentative. */
  readonly decidedInRound: number | null;
  /** Median importance over every round the feature took part in. */
  readonly medianImportance: number;
}

export interface BorutaResult {
  /** In original feature order. */
  readonly features: readonly BorutaFeatureResult[];
  readonly confirmed: readonly string[];
  readonly tentative: readonly string[];
  readonly rejected: readonly string[];
  readonly roundsRun: number;
  readonly history: readonly BorutaRound[];
}

/**
 * All-relevant feature selection (Kursa & Rudnicki, 2010). Each round appends a shadow copy of
 * every feature, each shadow column permuted independently so it keeps the feature's
 * distribution but loses any link to y; a real feature scores a hit when its importance beats
 * the best shadow. A feature that hits significantly more often than chance (p = 0.5) is
 * confirmed, significantly less often rejected; the rest stay tentative after maxRounds.
 */
export class Boruta {
  private readonly importance: ImportanceFunction;
  private readonly seed: number;
  private readonly maxRounds: number;
  private readonly alpha: number;
  private readonly correction: BorutaCorrection;
  private readonly dropRejected: boolean;
  private readonly onRound: ((round: BorutaRound) => void) | undefined;

  constructor(options: BorutaOptions) {
    const { maxRounds = 100, alpha = 0.01, correction = 'bonferroni', dropRejected = false } = options;
    if (typeof options.importance !== 'function') throw new TypeError('Boruta: importance must be a function');
    if (!Number.isInteger(options.seed)) throw new RangeError(`Boruta: seed must be an integer, got ${options.seed}`);
    if (!Number.isInteger(maxRounds) || maxRounds < 1) throw new RangeError(`Boruta: maxRounds must be an integer ≥ 1, got ${maxRounds}`);
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`Boruta: alpha must lie in (0, 1), got ${alpha}`);
    if (correction !== 'bonferroni' && correction !== 'two-step') {
      throw new RangeError(`Boruta: correction must be 'bonferroni' or 'two-step', got ${String(correction)}`);
    }
    this.importance = options.importance;
    this.seed = options.seed;
    this.maxRounds = maxRounds;
    this.alpha = alpha;
    this.correction = correction;
    this.dropRejected = dropRejected;
    this.onRound = options.onRound;
  }

  select(data: BorutaData): BorutaResult {
    assertData(data);
    const { X, nRows, nFeatures: m, names, y } = data;
    const rng = new SeededRandom(this.seed);
    const decision: BorutaDecision[] = new Array<BorutaDecision>(m).fill('tentative');
    const undecided = new Uint8Array(m).fill(1);
    const hits = new Int32Array(m);
    const rounds = new Int32Array(m);
    const pValues = new Float64Array(m).fill(1);
    const decidedInRound: (number | null)[] = new Array<number | null>(m).fill(null);
    const importanceTrail: number[][] = Array.from({ length: m }, () => []);
    const history: BorutaRound[] = [];
    const permutation = new Int32Array(nRows);
    let augmented = new Float64Array(0);

    for (let round = 1; round <= this.maxRounds && undecided.some((u) => u === 1); round++) {
      const active: number[] = [];
      for (let j = 0; j < m; j++) if (!(this.dropRejected && decision[j] === 'rejected')) active.push(j);
      const a = active.length;
      const nCols = 2 * a;
      if (augmented.length !== nRows * nCols) augmented = new Float64Array(nRows * nCols);

      for (let c = 0; c < a; c++) {
        const j = active[c]!;
        for (let r = 0; r < nRows; r++) augmented[r * nCols + c] = X[r * m + j]!;
        for (let r = 0; r < nRows; r++) permutation[r] = r;
        rng.shuffle(permutation);
        for (let r = 0; r < nRows; r++) augmented[r * nCols + a + c] = X[permutation[r]! * m + j]!;
      }

      const roundSeed = rng.int(0x7fffffff);
      const imp = this.importance(augmented, nRows, nCols, y, roundSeed);
      assertImportances(imp, nCols, round);

      let shadowMax = -Infinity;
      for (let c = a; c < nCols; c++) if (imp[c]! > shadowMax) shadowMax = imp[c]!;

      const importances = new Float64Array(m).fill(NaN);
      const shadowImportances = new Float64Array(m).fill(NaN);
      const hitNames: string[] = [];
      for (let c = 0; c < a; c++) {
        const j = active[c]!;
        importances[j] = imp[c]!;
        shadowImportances[j] = imp[a + c]!;
        importanceTrail[j]!.push(imp[c]!);
        if (undecided[j] === 1) {
          rounds[j]!++;
          if (imp[c]! > shadowMax) {
            hits[j]!++;
            hitNames.push(names[j]!);
          }
        }
      }

      const candidates: number[] = [];
      for (let j = 0; j < m; j++) if (undecided[j] === 1) candidates.push(j);
      for (const j of candidates) pValues[j] = binomialTwoSidedPValue(hits[j]!, rounds[j]!, 0.5);
      const significant = this.significant(candidates.map((j) => pValues[j]!), round);

      const confirmedNow: string[] = [];
      const rejectedNow: string[] = [];
      candidates.forEach((j, i) => {
        if (!significant[i]) return;
        // Two-sided test; the direction of the deviation says which way the decision goes.
        if (2 * hits[j]! > rounds[j]!) {
          decision[j] = 'confirmed';
          confirmedNow.push(names[j]!);
        } else if (2 * hits[j]! < rounds[j]!) {
          decision[j] = 'rejected';
          rejectedNow.push(names[j]!);
        } else {
          return;
        }
        undecided[j] = 0;
        decidedInRound[j] = round;
      });

      const record: BorutaRound = {
        round,
        importances,
        shadowImportances,
        shadowMax,
        hits: hitNames,
        confirmed: confirmedNow,
        rejected: rejectedNow,
      };
      history.push(record);
      this.onRound?.(record);
    }

    const features: BorutaFeatureResult[] = names.map((name, j) => ({
      name,
      index: j,
      decision: decision[j]!,
      hits: hits[j]!,
      rounds: rounds[j]!,
      pValue: pValues[j]!,
      decidedInRound: decidedInRound[j]!,
      medianImportance: median(importanceTrail[j]!),
    }));
    const named = (d: BorutaDecision) => features.filter((f) => f.decision === d).map((f) => f.name);
    return {
      features,
      confirmed: named('confirmed'),
      tentative: named('tentative'),
      rejected: named('rejected'),
      roundsRun: history.length,
      history,
    };
  }

  private significant(pValues: readonly number[], round: number): boolean[] {
    const mTests = pValues.length;
    if (this.correction === 'bonferroni') return pValues.map((p) => p <= this.alpha / mTests);
    const byFdr = benjaminiHochberg(pValues, this.alpha);
    return pValues.map((p, i) => byFdr[i]! && p <= this.alpha / round);
  }
}

/** Benjamini–Hochberg step-up: reject the k smallest p-values, k the largest with p(k) ≤ k·alpha/m. */
export function benjaminiHochberg(pValues: readonly number[], alpha: number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  let cut = -1;
  for (let rank = 1; rank <= m; rank++) if (pValues[order[rank - 1]!]! <= (rank * alpha) / m) cut = rank;
  const out = new Array<boolean>(m).fill(false);
  for (let rank = 1; rank <= cut; rank++) out[order[rank - 1]!] = true;
  return out;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function assertData(data: BorutaData): void {
  const { X, nRows, nFeatures, names, y } = data;
  if (!Number.isInteger(nRows) || nRows < 2) throw new RangeError(`Boruta: nRows must be an integer ≥ 2, got ${nRows}`);
  if (!Number.isInteger(nFeatures) || nFeatures < 1) throw new RangeError(`Boruta: nFeatures must be an integer ≥ 1, got ${nFeatures}`);
  if (X.length !== nRows * nFeatures) {
    throw new RangeError(`Boruta: X holds ${X.length} values, expected nRows × nFeatures = ${nRows} × ${nFeatures} = ${nRows * nFeatures}`);
  }
  if (y.length !== nRows) throw new RangeError(`Boruta: y holds ${y.length} values, expected nRows = ${nRows}`);
  if (names.length !== nFeatures) throw new RangeError(`Boruta: ${names.length} names for ${nFeatures} features`);
  if (new Set(names).size !== names.length) throw new RangeError('Boruta: feature names must be unique');
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i]!)) {
      throw new RangeError(`Boruta: X[row ${Math.floor(i / nFeatures)}, ${names[i % nFeatures]}] is ${X[i]}; features must be finite`);
    }
  }
  for (let i = 0; i < nRows; i++) if (!Number.isFinite(y[i]!)) throw new RangeError(`Boruta: y[${i}] is ${y[i]}; the target must be finite`);
}

function assertImportances(imp: Float64Array, nCols: number, round: number): void {
  if (imp == null || imp.length !== nCols) {
    throw new RangeError(`Boruta: the importance function returned ${imp?.length} values in round ${round}, expected ${nCols}`);
  }
  for (let c = 0; c < nCols; c++) {
    if (!Number.isFinite(imp[c]!)) throw new RangeError(`Boruta: importance of column ${c} is ${imp[c]} in round ${round}; it must be finite`);
  }
}
