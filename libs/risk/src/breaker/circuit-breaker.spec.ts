import { CircuitBreaker } from './circuit-breaker.js';

const H = 4 * 3600_000;

describe('CircuitBreaker', () => {
  it('uses the adverse extreme, not the close, and trips only strictly past 5%', () => {
    const cb = new CircuitBreaker();
    expect(cb.mark({ ts: 0, equity: 100_000 }).state).toBe('CLOSED');
    // close fine, adverse exactly 5% → no trip
    let r = cb.mark({ ts: H, equity: 99_000, adverseEquity: 95_000 });
    expect(r.state).toBe('CLOSED');
    expect(r.drawdown).toBeCloseTo(0.05, 12);
    expect(r.transition).toBeUndefined();
    // close only -0.5% from peak, but the adverse extreme is just past 5% → trips
    r = cb.mark({ ts: 2 * H, equity: 99_500, adverseEquity: 94_999 });
    expect(r.state).toBe('OPEN');
    expect(r.transition).toMatchObject({ from: 'CLOSED', to: 'OPEN', trigger: 'DRAWDOWN', ts: 2 * H, tradingState: 'REDUCING', sizeMultiplier: 0 });
    expect(r.transition!.drawdown).toBeCloseTo(0.05001, 8);
    expect(r.actions).toContainEqual({ type: 'FLATTEN_ALL' });
    expect(r.actions).toContainEqual({ type: 'SET_TRADING_STATE', state: 'REDUCING' });
  });

  it('never trips on a rising path whose adverse extremes stay just inside 5% of the prior peak', () => {
    const cb = new CircuitBreaker();
    cb.mark({ ts: 0, equity: 100 });
    for (let i = 1; i <= 50; i++) {
      const r = cb.mark({ ts: i * H, equity: 100 + i * 0.1, adverseEquity: (100 + (i - 1) * 0.1) * 0.951 });
      expect(r.state).toBe('CLOSED');
    }
  });

  it('cool-down → HALF_OPEN with reduced size, then recovery → CLOSED', () => {
    const cb = new CircuitBreaker({ coolDownMs: 24 * 3600_000, recoveryBars: 3 });
    cb.mark({ ts: 0, equity: 100 });
    expect(cb.mark({ ts: H, equity: 94, adverseEquity: 93 }).state).toBe('OPEN');
    expect(cb.mark({ ts: H + 5 * H, equity: 93 }).state).toBe('OPEN'); // 20h < 24h
    const r = cb.mark({ ts: H + 6 * H, equity: 93 });
    expect(r.transition).toMatchObject({ from: 'OPEN', to: 'HALF_OPEN', trigger: 'COOL_DOWN', sizeMultiplier: 0.5, tradingState: 'ACTIVE' });
    expect(cb.sizeMultiplier).toBe(0.5);
    // a 3% dip (> 2.5% = half threshold) restarts the count
    expect(cb.mark({ ts: 8 * H, equity: 93, adverseEquity: 93 * 0.97 }).state).toBe('HALF_OPEN');
    expect(cb.mark({ ts: 9 * H, equity: 93.5 }).state).toBe('HALF_OPEN');
    expect(cb.mark({ ts: 10 * H, equity: 93.2, adverseEquity: 93 }).state).toBe('HALF_OPEN');
    const rec = cb.mark({ ts: 11 * H, equity: 94 });
    expect(rec.transition).toMatchObject({ from: 'HALF_OPEN', to: 'CLOSED', trigger: 'RECOVERY', sizeMultiplier: 1 });
    // peak rebased to the half-open high (94), not the old 100
    expect(cb.currentPeak).toBe(94);
    expect(cb.mark({ ts: 12 * H, equity: 94 }).state).toBe('CLOSED');
  });

  it('a breach in HALF_OPEN reopens and flattens', () => {
    const cb = new CircuitBreaker({ coolDownMs: 0 });
    cb.mark({ ts: 0, equity: 100 });
    cb.mark({ ts: H, equity: 94 });
    expect(cb.mark({ ts: 2 * H, equity: 94 }).state).toBe('HALF_OPEN');
    const r = cb.mark({ ts: 3 * H, equity: 90, adverseEquity: 89 });
    expect(r.transition).toMatchObject({ from: 'HALF_OPEN', to: 'OPEN', trigger: 'HALF_OPEN_BREACH' });
    expect(r.actions[0]).toEqual({ type: 'FLATTEN_ALL' });
  });

  it('operator trip and reset; reset clears the peak', () => {
    const cb = new CircuitBreaker();
    cb.mark({ ts: 0, equity: 100 });
    const t = cb.trip('manual', 5);
    expect(t.transition).toMatchObject({ from: 'CLOSED', to: 'OPEN', trigger: 'OPERATOR_TRIP', reason: 'manual', ts: 5 });
    expect(t.actions).toContainEqual({ type: 'FLATTEN_ALL' });
    expect(cb.trip('again', 6).transition).toBeUndefined();
    const r = cb.reset('ops ok', 7);
    expect(r.transition).toMatchObject({ from: 'OPEN', to: 'CLOSED', trigger: 'OPERATOR_RESET', tradingState: 'ACTIVE' });
    expect(cb.currentPeak).toBeNull();
    expect(cb.mark({ ts: 8, equity: 80 }).state).toBe('CLOSED');
    expect(cb.currentPeak).toBe(80);
  });

  it('escalates the cool-down for trips in quick succession, caps it, and starts over after a quiet week or a reset', () => {
    const DAY = 24 * 3600_000;
    const cb = new CircuitBreaker({ coolDownMs: DAY, recoveryBars: 1, maxCoolDownMs: 3 * DAY });
    let t = 0;
    cb.mark({ ts: t, equity: 100 });
    /** Trips with a 6% loss, then waits out the cool-down and recovers in one clean bar; returns the cool-down used. */
    const episode = (): number => {
      const base = cb.currentPeak ?? 100;
      t += H;
      expect(cb.mark({ ts: t, equity: base * 0.94 }).state).toBe('OPEN');
      const openedAt = t;
      while (cb.state === 'OPEN') {
        t += H;
        cb.mark({ ts: t, equity: base * 0.94 });
      }
      const waited = t - openedAt;
      t += H;
      expect(cb.mark({ ts: t, equity: base * 0.94 }).state).toBe('CLOSED');
      return waited;
    };
    expect(episode()).toBe(DAY);
    expect(episode()).toBe(2 * DAY); // within a week of the last trip: doubled
    expect(episode()).toBe(3 * DAY); // capped
    t += 8 * DAY; // a quiet week
    cb.mark({ ts: t, equity: cb.currentPeak ?? 100 });
    expect(episode()).toBe(DAY);
    expect(episode()).toBe(2 * DAY);
    cb.reset('operator', t);
    cb.mark({ ts: t, equity: 90 });
    expect(episode()).toBe(DAY);
  });

  it('snapshot round-trips', () => {
    const cb = new CircuitBreaker({ coolDownMs: 10 });
    cb.mark({ ts: 0, equity: 100 });
    cb.mark({ ts: 1, equity: 90 });
    const copy = new CircuitBreaker({ coolDownMs: 10 }, cb.snapshot());
    expect(copy.state).toBe('OPEN');
    expect(copy.mark({ ts: 11, equity: 90 }).state).toBe('HALF_OPEN');
  });
});
