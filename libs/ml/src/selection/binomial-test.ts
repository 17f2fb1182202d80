/**
 * Exact binomial tail probabilities, computed in log space so that tails far below 1e-300 (a
 * feature that hits in every one of hundreds of rounds) neither underflow nor lose precision. No
 * normal approximation: Boruta decides on a few dozen rounds, where the approximation is poor.
 */

/**
 * ln(n!): a running sum of logs below 1024, Stirling's series beyond (its truncation error is
 * below 1e-20 there, so what remains is the rounding of n·ln n, ~1e-16 relative).
 */
const LOG_FACTORIAL_TABLE_SIZE = 1024;
const logFactorialTable: Float64Array = (() => {
  const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let i = 2; i < LOG_FACTORIAL_TABLE_SIZE; i++) table[i] = table[i - 1]! + Math.log(i);
  return table;
})();

export function logFactorial(n: number): number {
  assertCount(n, 'n');
  if (n < LOG_FACTORIAL_TABLE_SIZE) return logFactorialTable[n]!;
  const inv = 1 / n;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + series;
}

/** ln C(n, k). */
export function logBinomialCoefficient(n: number, k: number): number {
  assertCount(n, 'n');
  assertCount(k, 'k');
  if (k > n) return -Infinity;
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** ln P(X = k) for X ~ Binomial(n, p). */
export function logBinomialPmf(k: number, n: number, p: number): number {
  assertCount(n, 'n');
  assertProbability(p);
  if (!Number.isInteger(k) || k < 0 || k > n) return -Infinity;
  // Handle the degenerate p so that 0 · ln 0 counts as 0, as the distribution requires.
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return logBinomialCoefficient(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** ln P(X ≥ k). */
export function logBinomialUpperTail(k: number, n: number, p: number): number {
  assertCount(n, 'n');
  assertProbability(p);
  if (!Number.isInteger(k)) throw new RangeError(`k must be an integer, got ${k}`);
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  return logSumPmf(k, n, n, p);
}

/** ln P(X ≤ k). */
export function logBinomialLowerTail(k: number, n: number, p: number): number {
  assertCount(n, 'n');
  assertProbability(p);
  if (!Number.isInteger(k)) throw new RangeError(`k must be an integer, got ${k}`);
  if (k < 0) return -Infinity;
  if (k >= n) return 0;
  return logSumPmf(0, k, n, p);
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  return Math.exp(logBinomialUpperTail(k, n, p));
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialLowerTail(k: number, n: number, p: number): number {
  return Math.exp(logBinomialLowerTail(k, n, p));
}

/**
 * Exact two-sided p-value of observing k successes in n trials under H0: success rate p.
 * Sums the probabilities of every outcome no more likely than k (the "minimum likelihood"
 * rule of R's binom.test); for p = 0.5 this equals min(1, 2 · min(P(X ≥ k), P(X ≤ k))).
 */
export function binomialTwoSidedPValue(k: number, n: number, p = 0.5): number {
  assertCount(n, 'n');
  assertCount(k, 'k');
  assertProbability(p);
  if (k > n) throw new RangeError(`k (${k}) must not exceed n (${n})`);
  const logObserved = logBinomialPmf(k, n, p);
  // Same relative tolerance as R, so that outcomes equally likely up to rounding are included.
  const cutoff = logObserved + Math.log1p(1e-7);
  const terms: number[] = [];
  for (let i = 0; i <= n; i++) {
    const logPmf = logBinomialPmf(i, n, p);
    if (logPmf <= cutoff) terms.push(logPmf);
  }
  return Math.min(1, Math.exp(logSumExp(terms)));
}

function logSumPmf(from: number, to: number, n: number, p: number): number {
  const terms: number[] = [];
  for (let i = from; i <= to; i++) terms.push(logBinomialPmf(i, n, p));
  return logSumExp(terms);
}

function logSumExp(terms: readonly number[]): number {
  let max = -Infinity;
  for (const t of terms) if (t > max) max = t;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum);
}

function assertCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

function assertProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be a probability in [0, 1], got ${p}`);
}
