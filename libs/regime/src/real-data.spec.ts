import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitGarch11 } from './garch.js';
import { ForwardFilter, GaussianHmm } from './hmm.js';
import { canonicalise } from './labels.js';
import { logReturns, regimeFeatures } from './features.js';

const dataDir = process.env['TM_DATA_DIR'] ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));

function loadBars(): { ts: number[]; close: number[] } {
  const lines = readFileSync(join(dataDir, 'binance_BTCUSDT_4h.csv'), 'utf8').trim().split('\n');
  const ts: number[] = [];
  const close: number[] = [];
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    ts.push(Number(c[0]));
    close.push(Number(c[4]));
  }
  return { ts, close };
}

const bars = loadBars();
const returns = logReturns(bars.close);
const retTs = bars.ts.slice(1); // return t belongs to the bar opening at retTs[t]

describe('regime model on real BTCUSDT 4h data', () => {
  it('forward filter output at bar t is unchanged when later bars are appended or altered', () => {
    const cut = Math.floor(returns.length * 0.6);
    const garch = fitGarch11(returns.subarray(0, cut)).params;
    const model = GaussianHmm.fit(regimeFeatures(returns.subarray(0, cut), garch), 4, { seed: 5, restarts: 2, maxIter: 100 }).model;

    const t = cut + 500;
    const run = (r: Float64Array, upto: number): Float64Array[] => {
      const f = new ForwardFilter(model);
      return regimeFeatures(r.subarray(0, upto), garch).map((x) => f.update(x));
    };
    const prefix = run(returns, t + 1);
    const full = run(returns, returns.length);
    const altered = Float64Array.from(returns);
    for (let i = t + 1; i < altered.length; i++) altered[i] = -altered[i]! * 3;
    const alt = run(altered, altered.length);
    for (let i = 0; i <= t; i++) {
      expect(Array.from(full[i]!)).toEqual(Array.from(prefix[i]!));
      expect(Array.from(alt[i]!)).toEqual(Array.from(prefix[i]!));
    }
    expect(Array.from(alt[t + 1]!)).not.toEqual(Array.from(full[t + 1]!));
  });

  it('fits K = 4 on the full history: the LUNA, FTX and Aug-2024 crashes land in the Crisis regime', () => {
    const garchFit = fitGarch11(returns);
    const X = regimeFeatures(returns, garchFit.params);
    const fit = GaussianHmm.fit(X, 4, { seed: 2024, restarts: 5, maxIter: 300 });
    const { model, labels } = canonicalise(fit.model);
    const path = model.viterbi(X);
    const f = new ForwardFilter(model);
    const filtered = X.map((x) => {
      const p = f.update(x);
      let a = 0;
      for (let k = 1; k < p.length; k++) if (p[k]! > p[a]!) a = k;
      return a;
    });

    const all = Array.from({ length: X.length }, (_, i) => i);
    const window = (from: string, toExcl: string): number[] =>
      all.filter((i) => retTs[i]! >= Date.parse(from) && retTs[i]! < Date.parse(toExcl));
    const events: [string, number[]][] = [
      ['LUNA 2022-05-09..12', window('2022-05-09T00:00:00Z', '2022-05-13T00:00:00Z')],
      ['FTX 2022-11-08..10', window('2022-11-08T00:00:00Z', '2022-11-11T00:00:00Z')],
      ['2024-08-05', window('2024-08-05T00:00:00Z', '2024-08-06T00:00:00Z')],
    ];
    const crisis = labels.indexOf('Crisis');
    const fraction = (idx: number[], states: ArrayLike<number>) => idx.filter((i) => states[i] === crisis).length / idx.length;
    // Crisis is the most volatile state and a minority of the history…
    for (let k = 0; k < model.params.means.length; k++) if (k !== crisis) expect(model.params.means[k]![1]!).toBeLessThan(model.params.means[crisis]![1]!);
    expect(fraction(all, path)).toBeLessThan(0.3);
    // …and the three crashes land mostly in it, under the online filter too (no look-ahead).
    for (const [, idx] of events) {
      expect(fraction(idx, path)).toBeGreaterThan(0.5);
      expect(fraction(idx, filtered)).toBeGreaterThan(0.5);
    }
    expect(labels.slice().sort()).toEqual(['Bear', 'Bull', 'Crisis', 'Neutral']);
    for (const [, idx] of events) expect(idx.length).toBeGreaterThan(0);
  });
});
