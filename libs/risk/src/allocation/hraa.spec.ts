import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sampleCovariance } from '../var/var.js';
import { allocate, hrpWeights } from './hraa.js';

const cov3 = (s: number[], rho: number[][]) => s.map((si, i) => s.map((sj, j) => si * sj * rho[i][j]));

describe('HRAA', () => {
  it('two identical assets get equal weights', () => {
    const { weights } = hrpWeights(cov3([0.02, 0.02], [[1, 0.3], [0.3, 1]]));
    expect(weights[0]).toBeCloseTo(0.5, 12);
    expect(weights[1]).toBeCloseTo(0.5, 12);
  });

  it('a high-variance asset gets less (inverse variance for two assets)', () => {
    const { weights } = hrpWeights(cov3([0.01, 0.03], [[1, 0], [0, 1]]));
    expect(weights[1]).toBeLessThan(weights[0]);
    expect(weights[0]).toBeCloseTo(0.9, 12); // 1/σ² ratio 9:1
  });

  it('two highly correlated assets share one branch; the independent one gets about half', () => {
    const rho = [
      [1, 0.95, 0],
      [0.95, 1, 0],
      [0, 0, 1],
    ];
    // put the independent asset in the middle to show the tree (not list halves) drives the split
    const reorder = [0, 2, 1];
    const c = reorder.map((i) => reorder.map((j) => 0.02 * 0.02 * rho[i][j]));
    const { weights, order } = hrpWeights(c);
    // indices: 0 = A, 1 = C (independent), 2 = B
    const vAB = (0.02 * 0.02 * (1 + 0.95)) / 2;
    const alphaC = 1 - 0.02 * 0.02 / (0.02 * 0.02 + vAB);
    expect(weights[1]).toBeCloseTo(alphaC, 12);
    expect(weights[0]).toBeCloseTo((1 - alphaC) / 2, 12);
    expect(weights[2]).toBeCloseTo((1 - alphaC) / 2, 12);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.abs(order.indexOf(0) - order.indexOf(2))).toBe(1);
  });

  it('regime multiplier, per-instrument, gross and net caps are respected', () => {
    const covariance = cov3([0.01, 0.02, 0.03], [[1, 0.2, 0.1], [0.2, 1, 0.3], [0.1, 0.3, 1]]);
    const instruments = ['A', 'B', 'C'];
    const base = allocate({ instruments, covariance, budget: 2 });
    const half = allocate({ instruments, covariance, budget: 2, regimeMultiplier: 0.5 });
    for (const id of instruments) expect(half.weights[id]).toBeCloseTo(base.weights[id] / 2, 12);
    expect(base.gross).toBeCloseTo(2, 12);

    const capped = allocate({ instruments, covariance, budget: 2, maxWeight: 0.5, maxGross: 1.2, maxNet: 0.3, directions: { B: -1 } });
    for (const id of instruments) expect(Math.abs(capped.weights[id])).toBeLessThanOrEqual(0.5 + 1e-12);
    expect(capped.gross).toBeLessThanOrEqual(1.2 + 1e-12);
    expect(Math.abs(capped.net)).toBeLessThanOrEqual(0.3 + 1e-12);
    expect(capped.weights.B).toBeLessThan(0);
    expect(capped.limits.B).toBeCloseTo(-capped.weights.B, 12);
    const g = allocate({ instruments, covariance, budget: 3, maxGross: 1 });
    expect(g.gross).toBeCloseTo(1, 12);
  });

  it('real data smoke test: 4h BTC/ETH/SOL', () => {
    const dir = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));
    const syms = ['BTC', 'ETH', 'SOL'];
    const series = syms.map((s) => {
      const m = new Map<number, number>();
      const lines = readFileSync(join(dir, `binance_${s}USDT_4h.csv`), 'utf8').trim().split('\n').slice(1);
      for (const l of lines) {
        const cols = l.split(',');
        m.set(Number(cols[0]), Number(cols[4]));
      }
      return m;
    });
    const ts = [...series[0].keys()].filter((t) => series.every((m) => m.has(t))).sort((a, b) => a - b);
    expect(ts.length).toBeGreaterThan(1000);
    const rets: number[][] = [];
    for (let k = 1; k < ts.length; k++) rets.push(series.map((m) => Math.log(m.get(ts[k])! / m.get(ts[k - 1])!)));
    const covariance = sampleCovariance(rets);
    const res = allocate({ instruments: syms, covariance, budget: 1.5, regimeMultiplier: 0.75, maxWeight: 0.6, maxGross: 1, maxNet: 1 });
    for (const s of syms) {
      expect(Number.isFinite(res.weights[s])).toBe(true);
      expect(res.weights[s]).toBeGreaterThan(0);
      expect(res.weights[s]).toBeLessThanOrEqual(0.6 + 1e-12);
    }
    expect(res.gross).toBeLessThanOrEqual(1 + 1e-12);
    // BTC is the least volatile of the three, so it should get the most
    expect(res.hrp.BTC).toBeGreaterThan(res.hrp.SOL);
  });
});
