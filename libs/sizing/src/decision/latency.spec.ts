import { fileURLToPath } from 'node:url';
import { measureDecisionLatency } from './latency.js';

const DATA_DIR = process.env['TM_DATA_DIR'] ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));

describe('measureDecisionLatency on real BTCUSDT 4h data', () => {
  it('times fitted, non-refit decisions and reports the fit time separately', () => {
    const r = measureDecisionLatency(600, { dataDir: DATA_DIR });
    // bars 0..999 unfitted, first fit at bar 1000 (1000 returns), refit at bar 1540: both fit bars untimed
    expect(r.decisions).toBe(600);
    expect(r.bars).toBe(1000 + 1 + 600 + 1);
    expect(r.fitSeconds).toHaveLength(2);
    expect(r.fitSeconds[0]!).toBeGreaterThan(0);
    expect(r.p50Micros).toBeGreaterThan(0);
    expect(r.p99Micros).toBeGreaterThanOrEqual(r.p50Micros);
    // generous bound for a shared machine; the figure itself is reported by the benchmark
    expect(r.p50Micros).toBeLessThan(2000);
  }, 60_000);
});
