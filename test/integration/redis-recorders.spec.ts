import { Redis } from 'ioredis';
import { SizingDecidedEvent } from '@lib/model';
import { CircuitBreakerService, DEFAULT_CIRCUIT_BREAKER_CONFIG } from '@lib/risk';
import { RedisConnection, RedisModule, RedisServices, RedisSessionStateStore, SESSION_STATE_STORE, SIGNALS_PATTERN, type SessionStateStore, type SignalMessage } from '@lib/redis';
import { configuredInstrument, loadBars } from '../support/real-bars.js';
import { bootTradingKernel } from '../support/trading-kernel.js';
import { startPrivateRedis, waitFor, type PrivateRedis } from '../support/redis-server.js';

const BTC = configuredInstrument('BTCUSDT-PERP.BYBIT');
const ETH = configuredInstrument('ETHUSDT-PERP.BYBIT');
const CONFIG = { keyPrefix: 'rec:', featureTtlSeconds: 60, maxPendingWrites: 1000 };

describe('SessionStateRecorder and SignalPublisherRecorder on a real MessageBus', () => {
  let redis: PrivateRedis;
  let subscriber: Redis;
  const signals: Array<{ pattern: string; data: SignalMessage }> = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    subscriber = new Redis({ port: redis.port, lazyConnect: true });
    await subscriber.connect();
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === SIGNALS_PATTERN) signals.push(JSON.parse(text) as { pattern: string; data: SignalMessage });
    });
    await subscriber.subscribe(SIGNALS_PATTERN);
  });
  afterAll(async () => {
    await subscriber.quit();
    await redis.stop();
  });

  it('records bars and breaker state per stream, publishes sizing decisions, and flushes at shutdown', async () => {
    const btcBars = loadBars('bybit_BTCUSDT_4h.csv', BTC, 12);
    const ethBars = loadBars('bybit_ETHUSDT_4h.csv', ETH, 12);
    const k = await bootTradingKernel({
      instruments: [BTC, ETH],
      streamId: 'rec-run-1',
      risk: { breaker: { ...DEFAULT_CIRCUIT_BREAKER_CONFIG, enabled: true } },
      imports: [RedisModule.forRoot({ url: redis.url, ...CONFIG }, { recorders: true, shutdownTimeoutMs: 3000 })],
    });
    const store = k.moduleRef.get<SessionStateStore>(SESSION_STATE_STORE);
    const services = k.moduleRef.get(RedisServices);
    expect(services.readiness().status).toBe('up');

    for (let i = 0; i < 12; i++) {
      k.closeBar(btcBars[i]!);
      k.closeBar(ethBars[i]!);
    }
    await k.bus.settle();
    expect(k.moduleRef.get(CircuitBreakerService).trip('integration test')).toBe(true);
    const last = btcBars[11]!.tsClose;
    k.bus.publish(
      new SizingDecidedEvent({
        instrumentId: BTC.id,
        strategyId: 'ml-signal',
        prediction: '0.0031',
        signal: '0.42',
        confidence: '0.66',
        regime: 'Bull',
        regimeProbabilities: '0.1,0.2,0.6,0.1',
        volatility: '0.021',
        recentIc: '0.05',
        tier: 'PURE_KELLY',
        tierReason: 'no RL policy',
        kellyFraction: '0.3',
        rlFraction: null,
        rawFraction: '0.3',
        allocationLimit: null,
        finalFraction: '0',
        cuts: 'BREAKER.OPEN',
        tsEvent: last,
      }),
    );
    await k.bus.settle();

    // The in-process state is there at once, whatever Redis does.
    expect(store.current('rec-run-1')).toMatchObject({
      lastBarTs: { [BTC.id]: last, [ETH.id]: ethBars[11]!.tsClose },
      breaker: { state: 'OPEN', tripCount: 1, lastTrigger: 'OPERATOR_TRIP', tradingState: 'REDUCING', sizeMultiplier: '0' },
    });
    await waitFor('the signal on Redis', () => signals.length === 1);
    expect(signals[0]).toEqual({
      pattern: SIGNALS_PATTERN,
      data: {
        v: 1,
        streamId: 'rec-run-1',
        instrumentId: BTC.id,
        strategyId: 'ml-signal',
        tsEvent: last,
        prediction: 0.0031,
        signal: 0.42,
        confidence: 0.66,
        tier: 'PURE_KELLY',
        regime: 'Bull',
        targetFraction: 0,
      },
    });

    await k.close();

    // After the context is gone, a new process's store reads what the run recorded.
    const connection = new RedisConnection({ url: redis.url, heartbeatMs: 0 });
    await connection.connect();
    try {
      const loaded = await new RedisSessionStateStore(connection, CONFIG).load('rec-run-1');
      expect(loaded.source).toBe('redis');
      expect(loaded.state.lastBarTs).toEqual({ [BTC.id]: last, [ETH.id]: ethBars[11]!.tsClose });
      expect(loaded.state.breaker).toMatchObject({ state: 'OPEN', tripCount: 1, since: last, reason: 'operator: integration test' });
      expect(loaded.state.breaker!.peak).not.toBeNull();
    } finally {
      await connection.close();
    }
  });

  it('with url null: the in-memory store records, nothing is published, status disabled', async () => {
    const k = await bootTradingKernel({
      instruments: [BTC],
      streamId: 'rec-run-2',
      imports: [RedisModule.forRoot({ url: null, ...CONFIG }, { recorders: true })],
    });
    try {
      const bars = loadBars('bybit_BTCUSDT_4h.csv', BTC, 3);
      for (const bar of bars) k.closeBar(bar);
      await k.bus.settle();
      const services = k.moduleRef.get(RedisServices);
      expect(services.readiness()).toMatchObject({ status: 'disabled', pendingWrites: 0, lastError: null });
      expect(services.sessionState.current('rec-run-2').lastBarTs).toEqual({ [BTC.id]: bars[2]!.tsClose });
      expect(await services.featureCache.get({ instrumentId: BTC.id, tsEvent: bars[2]!.tsClose, version: 'v1' })).toBeNull();
    } finally {
      await k.close();
    }
  });
});
