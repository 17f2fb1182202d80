import fc from 'fast-check';
import {
  binomialLowerTail,
  binomialTwoSidedPValue,
  binomialUpperTail,
  logBinomialPmf,
  logBinomialUpperTail,
  logFactorial,
} from './binomial-test.js';

/** P(X ≥ k | n, 1/2) as an exact rational Σ C(n, i) / 2^n, converted to a double once. */
function exactUpperTailHalf(k: number, n: number): number {
  let c = 1n;
  let sum = 0n;
  for (let i = 0; i <= n; i++) {
    if (i >= k) sum += c;
    c = (c * BigInt(n - i)) / BigInt(i + 1);
  }
  // Number(bigint) rounds correctly and dividing by a power of two is exact.
  return Number(sum) / 2 ** n;
}

describe('binomial tails', () => {
  it('matches known exact values', () => {
    expect(binomialUpperTail(9, 10, 0.5)).toBeCloseTo(11 / 1024, 15);
    expect(binomialLowerTail(1, 10, 0.5)).toBeCloseTo(11 / 1024, 15);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 15);
    expect(binomialUpperTail(2, 3, 0.3)).toBeCloseTo(3 * 0.09 * 0.7 + 0.027, 15);
    expect(binomialUpperTail(60, 100, 0.5)).toBeCloseTo(0.028443966820490392, 14);
  });

  // Log space costs a few ulps of ln(n!) (~1400 at n = 300), i.e. ~1e-12 relative after exp.
  it('agrees with exact rational arithmetic to 1e-11 relative for n up to 300', () => {
    for (const n of [1, 7, 20, 100, 300]) {
      for (let k = 0; k <= n; k += Math.max(1, Math.floor(n / 25))) {
        const exact = exactUpperTailHalf(k, n);
        const ours = binomialUpperTail(k, n, 0.5);
        expect(Math.abs(ours - exact) / exact).toBeLessThan(1e-11);
      }
    }
  });

  it('stays exact in log space far below the smallest double', () => {
    // P(X ≥ 2000 | n = 2000, 1/2) = 2^-2000, which underflows as a probability.
    expect(logBinomialUpperTail(2000, 2000, 0.5)).toBeCloseTo(-2000 * Math.LN2, 9);
    expect(binomialUpperTail(2000, 2000, 0.5)).toBe(0);
  });

  it('handles the edges of k and p', () => {
    expect(binomialUpperTail(0, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.5)).toBe(0);
    expect(binomialLowerTail(-1, 10, 0.5)).toBe(0);
    expect(binomialLowerTail(10, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(1, 5, 0)).toBe(0);
    expect(binomialUpperTail(5, 5, 1)).toBe(1);
    expect(logBinomialPmf(0, 5, 0)).toBe(0);
    expect(() => binomialUpperTail(1, 5, 1.5)).toThrow(RangeError);
    expect(() => binomialUpperTail(1.5, 5, 0.5)).toThrow(RangeError);
  });

  it('P(X ≥ k) + P(X ≤ k − 1) = 1 and the pmf sums to 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.nat(), (n, p, seed) => {
        const k = seed % (n + 1);
        expect(binomialUpperTail(k, n, p) + binomialLowerTail(k - 1, n, p)).toBeCloseTo(1, 10);
      }),
    );
    let total = 0;
    for (let k = 0; k <= 50; k++) total += Math.exp(logBinomialPmf(k, 50, 0.37));
    expect(total).toBeCloseTo(1, 13);
  });

  it('log-factorial switches from the summed table to Stirling without a seam', () => {
    let exact = logFactorial(1023);
    for (let n = 1024; n <= 1100; n++) {
      exact += Math.log(n);
      expect(Math.abs(logFactorial(n) - exact) / exact).toBeLessThan(1e-14);
    }
  });
});

describe('binomialTwoSidedPValue', () => {
  it('equals binom.test: 9 of 10 → 22/1024, 5 of 10 → 1', () => {
    expect(binomialTwoSidedPValue(9, 10)).toBeCloseTo(22 / 1024, 15);
    expect(binomialTwoSidedPValue(1, 10)).toBeCloseTo(22 / 1024, 15);
    expect(binomialTwoSidedPValue(5, 10)).toBe(1);
    expect(binomialTwoSidedPValue(0, 8)).toBeCloseTo(2 / 256, 15);
  });

  it('for p = 0.5 is twice the smaller tail, capped at 1', () => {
    for (const n of [3, 10, 37, 100]) {
      for (let k = 0; k <= n; k++) {
        const expected = Math.min(1, 2 * Math.min(binomialUpperTail(k, n, 0.5), binomialLowerTail(k, n, 0.5)));
        expect(binomialTwoSidedPValue(k, n)).toBeCloseTo(expected, 12);
      }
    }
  });

  it('for an asymmetric p sums every outcome no more likely than the one seen (R: binom.test(2, 10, 0.6))', () => {
    // Outcomes at most as likely as k = 2 under Binomial(10, 0.6): 0, 1, 2 and 10.
    const expected = [0, 1, 2, 10].reduce((s, k) => s + Math.exp(logBinomialPmf(k, 10, 0.6)), 0);
    expect(binomialTwoSidedPValue(2, 10, 0.6)).toBeCloseTo(expected, 14);
    expect(binomialTwoSidedPValue(2, 10, 0.6)).toBeCloseTo(0.0183411712, 12);
  });
});
