import type { WalkForwardMetrics } from './metrics.js';

/**
 * Promotion gates: a model is promotable only when its walk-forward mean IC is at least
 * `minIc` AND its out-of-sample Sharpe is strictly above `minSharpe` (issue 3, item 6). A
 * metric that is not a number (too few windows, no trades) fails its gate: a model has to
 * earn promotion, it is never granted by default.
 */
export interface GateThresholds {
  /** Default 0.03; passes when meanIc ≥ minIc. */
  readonly minIc?: number;
  /** Default 0.5; passes when sharpe > minSharpe. */
  readonly minSharpe?: number;
}

export const DEFAULT_GATES = { minIc: 0.03, minSharpe: 0.5 } as const;

export type GateMetrics = Pick<WalkForwardMetrics, 'meanIc' | 'sharpe'>;

export interface GateCheck {
  readonly gate: 'ic' | 'sharpe';
  readonly passed: boolean;
  readonly actual: number;
  readonly threshold: number;
  readonly reason: string;
}

export interface GateVerdict {
  readonly promotable: boolean;
  /** One plain sentence per gate, failures first. */
  readonly reasons: readonly string[];
  readonly checks: readonly GateCheck[];
}

export function evaluateGates(metrics: GateMetrics, thresholds: GateThresholds = {}): GateVerdict {
  const { minIc = DEFAULT_GATES.minIc, minSharpe = DEFAULT_GATES.minSharpe } = thresholds;
  if (!Number.isFinite(minIc)) throw new RangeError(`evaluateGates: minIc must be a finite number, got ${minIc}`);
  if (!Number.isFinite(minSharpe)) throw new RangeError(`evaluateGates: minSharpe must be a finite number, got ${minSharpe}`);

  const ic = metrics.meanIc;
  const sharpe = metrics.sharpe;
  const icPassed = ic >= minIc;
  const sharpePassed = sharpe > minSharpe;
  const checks: GateCheck[] = [
    {
      gate: 'ic',
      passed: icPassed,
      actual: ic,
      threshold: minIc,
      reason: Number.isNaN(ic)
        ? `Walk-forward mean IC could not be measured, so the IC gate (at least ${fmt(minIc, minIc, 3)}) is not met.`
        : icPassed
          ? `Walk-forward mean IC ${fmt(ic, minIc, 3)} meets the minimum of ${fmt(minIc, minIc, 3)}.`
          : `Walk-forward mean IC ${fmt(ic, minIc, 3)} is below the minimum of ${fmt(minIc, minIc, 3)}: the predictions do not rank future returns well enough.`,
    },
    {
      gate: 'sharpe',
      passed: sharpePassed,
      actual: sharpe,
      threshold: minSharpe,
      reason: Number.isNaN(sharpe)
        ? `Out-of-sample Sharpe could not be measured, so the Sharpe gate (above ${fmt(minSharpe, minSharpe, 2)}) is not met.`
        : sharpePassed
          ? `Out-of-sample Sharpe ${fmt(sharpe, minSharpe, 2)} after fees is above the minimum of ${fmt(minSharpe, minSharpe, 2)}.`
          : `Out-of-sample Sharpe ${fmt(sharpe, minSharpe, 2)} after fees is not above the minimum of ${fmt(minSharpe, minSharpe, 2)}: trading the signal does not pay enough for its risk.`,
    },
  ];
  const ordered = [...checks.filter((c) => !c.passed), ...checks.filter((c) => c.passed)];
  const promotable = checks.every((c) => c.passed);
  return { promotable, reasons: ordered.map((c) => c.reason), checks };
}

/** Enough digits that a value just short of its threshold does not print as the threshold. */
function fmt(value: number, threshold: number, digits: number): string {
  let d = digits;
  while (d < 8 && value !== threshold && value.toFixed(d) === threshold.toFixed(d)) d++;
  return value.toFixed(d);
}
