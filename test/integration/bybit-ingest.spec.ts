import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BybitHistoryClient, BybitHistoryError, type BybitHistoryClientOptions, type BybitRetryEvent } from '@lib/venues-bybit';
import { runIngest, type IngestIo } from '../../apps/trader/src/cli/ingest.cli.js';
import { startFakeBybit, type FakeBybit } from '../support/fake-bybit.js';
import { DATA_DIR, tempSqlite } from '../support/databases.js';
import { runBacktest } from '../support/run-backtest.js';

/**
 * Ingestion from the exchange, end to end and offline: ccxt's bybit client talks to a fake Bybit
 * v5 server on 127.0.0.1 that serves the real recorded files, the CLI writes a catalog folder,
 * and the real backtest runs on it.
 */

const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2024, 3, 1);
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'] as const;
const BAR_HEADER = 'timestamp,open,high,low,close,volume';
const FUNDING_HEADER = 'timestamp,funding_rate';
const BARS_PER_SYMBOL = (91 * 24) / 4; // 2024-01-01 → 2024-04-01, 4h
const FUNDING_PER_SYMBOL = 91 * 3;

/** Data lines of a real shared file whose timestamp passes `keep`. */
function realLines(file: string, keep: (ts: number) => boolean): string[] {
  return readFileSync(join(DATA_DIR, file), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '' && keep(Number(l.split(',')[0])));
}
const barsInRange = (from: number, to: number) => (ts: number) => ts >= from && ts < to;
const fundingInRange = (from: number, to: number) => (ts: number) => ts > from && ts <= to;
const fileText = (header: string, lines: readonly string[]) => `${header}\n${lines.join('\n')}\n`;

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every URL ccxt was asked to fetch, across all clients of this file. */
const fetched: string[] = [];

/**
 * Replaces the exchange's fetch (which every ccxt request goes through) by one that refuses any
 * host but 127.0.0.1 and records the URL.
 */
function guardFetch(client: BybitHistoryClient): BybitHistoryClient {
  const original = client.exchange.fetch.bind(client.exchange);
  client.exchange.fetch = async (url: string, method?: string, headers?: unknown, body?: unknown) => {
    const host = new URL(url).hostname;
    if (host !== '127.0.0.1') throw new Error(`blocked request to ${host}: tests must not leave 127.0.0.1 (${url})`);
    fetched.push(url);
    return original(url, method, headers, body);
  };
  return client;
}

describe('ingest from Bybit through ccxt (fake Bybit v5 on 127.0.0.1, real recorded data)', () => {
  let fake: FakeBybit;
  /** Requests the fake saw over the whole file (it is reset between tests). */
  let seenByFake = 0;
  const dirs: string[] = [];
  const retries: BybitRetryEvent[] = [];

  const fastRetries: Partial<BybitHistoryClientOptions> = { retryDelayMs: 1, maxRetryDelayMs: 2, onRetry: (e) => retries.push(e) };
  const newClient = (options: Partial<BybitHistoryClientOptions> = {}) => guardFetch(new BybitHistoryClient({ baseUrl: fake.url, ...fastRetries, ...options }));
  const outDir = () => {
    const dir = tempDir('tm-ingest-');
    dirs.push(dir);
    return dir;
  };

  async function ingest(argv: string[], clientOptions: Partial<BybitHistoryClientOptions> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const io: IngestIo = {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      env: { BYBIT_API_URL: fake.url },
      clientOptions: { ...fastRetries, ...clientOptions },
      onClient: guardFetch,
    };
    const code = await runIngest(argv, io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  beforeAll(async () => {
    fake = await startFakeBybit();
  });

  const resetFake = () => {
    seenByFake += fake.requests.length;
    fake.reset();
  };

  beforeEach(() => {
    resetFake();
    retries.length = 0;
  });

  afterAll(async () => {
    resetFake();
    await fake.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    // The guard: every request ccxt made went to 127.0.0.1 and reached the fake server.
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((u) => new URL(u).hostname === '127.0.0.1')).toBe(true);
    expect(seenByFake).toBe(fetched.length);
  });

  describe('CLI: 2024-01-01 → 2024-04-01, 4h, BTC/ETH/SOL + funding', () => {
    let dir: string;
    let result: { code: number; stdout: string; stderr: string };
    const sqlite = tempSqlite();

    beforeAll(async () => {
      resetFake();
      dir = outDir();
      result = await ingest(['--out', dir, '--instruments', 'BTCUSDT,ETHUSDT,SOLUSDT', '--interval', '4h', '--from', '2024-01-01', '--to', '2024-04-01', '--funding']);
      resetFake();
    }, 60_000);

    afterAll(() => sqlite.dispose());

    it('exits 0 and writes exactly the six files', () => {
      expect(result.stderr).not.toMatch(/failed/);
      expect(result.code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(SYMBOLS.flatMap((s) => [`bybit_${s}_4h.csv`, `bybit_${s}_funding_8h.csv`]).sort());
    });

    it.each(SYMBOLS)('%s: the 4h file equals the real rows, byte for byte', (symbol) => {
      const lines = realLines(`bybit_${symbol}_4h.csv`, barsInRange(FROM, TO));
      expect(lines).toHaveLength(BARS_PER_SYMBOL);
      expect(readFileSync(join(dir, `bybit_${symbol}_4h.csv`), 'utf8')).toBe(fileText(BAR_HEADER, lines));
    });

    it.each(SYMBOLS)('%s: the funding file equals the real rows, byte for byte', (symbol) => {
      const lines = realLines(`bybit_${symbol}_funding_8h.csv`, fundingInRange(FROM, TO));
      expect(lines).toHaveLength(FUNDING_PER_SYMBOL);
      expect(readFileSync(join(dir, `bybit_${symbol}_funding_8h.csv`), 'utf8')).toBe(fileText(FUNDING_HEADER, lines));
    });

    it('prints progress with rate and ETA, and rows per file', () => {
      expect(result.stderr).toMatch(/\[ingest\] [\d,]+\/[\d,]+ \([\d.]+%\) [\d,]+\/s elapsed [\d.]+s ETA [\d.]+s/);
      for (const s of SYMBOLS) {
        expect(result.stdout).toMatch(new RegExp(`bybit_${s}_4h\\.csv\\s+${BARS_PER_SYMBOL}\\s+${BARS_PER_SYMBOL}\\s+0\\s+${BARS_PER_SYMBOL}\\s`));
        expect(result.stdout).toMatch(new RegExp(`bybit_${s}_funding_8h\\.csv\\s+${FUNDING_PER_SYMBOL}\\s+${FUNDING_PER_SYMBOL}\\s+0\\s+${FUNDING_PER_SYMBOL}\\s`));
      }
    });

    it('the backtest processes every ingested bar and funding, and its replay matches', async () => {
      // The ingested folder holds only the window, so both runs start cold (no warm-up from earlier bars).
      const run = await runBacktest(sqlite.url, { dataDir: dir, source: 'bybit', interval: '4h', from: FROM, to: TO, runId: 'ingested-bybit', warmUp: false });
      const s = run.outcome.summary;
      expect(s.instruments).toEqual(['BTCUSDT-PERP.BYBIT', 'ETHUSDT-PERP.BYBIT', 'SOLUSDT-PERP.BYBIT']);
      expect(s.bars).toBe(3 * BARS_PER_SYMBOL);
      expect(s.barsRejected).toBe(0);
      expect(s.fundingEvents).toBe(3 * FUNDING_PER_SYMBOL);
      expect(run.outcome.equityCurve).toHaveLength(BARS_PER_SYMBOL);
      expect(run.replay.mismatches).toEqual([]);
      expect(run.replay.matches).toBe(true);
      expect(run.replay.events).toBe(s.events);
      expect(run.replay.eventStreamHash).toBe(s.eventStreamHash);

      // The same backtest on the recorded folder: the ingested catalog is the same market.
      const reference = tempSqlite();
      try {
        const ref = await runBacktest(reference.url, { dataDir: DATA_DIR, source: 'bybit', interval: '4h', from: FROM, to: TO, runId: 'ingested-bybit', warmUp: false });
        expect(s.eventStreamHash).toBe(ref.outcome.summary.eventStreamHash);
        expect(s.stateHash).toBe(ref.outcome.summary.stateHash);
        expect(s.finalEquity).toBe(ref.outcome.summary.finalEquity);
      } finally {
        reference.dispose();
      }
    }, 120_000);
  });

  it('asks Bybit for linear 240 klines and funding in windows of at most one page', async () => {
    const client = newClient({ klineLimit: 100, fundingLimit: 50 });
    const bars = await client.fetchOHLCV('BTCUSDT', '4h', FROM, TO);
    const funding = await client.fetchFundingRateHistory('BTC/USDT:USDT', FROM, TO);
    expect(bars.map((b) => [b.ts, b.open, b.high, b.low, b.close, b.volume].join(','))).toEqual(realLines('bybit_BTCUSDT_4h.csv', barsInRange(FROM, TO)));
    expect(funding.map((f) => `${f.ts},${f.rate}`)).toEqual(realLines('bybit_BTCUSDT_funding_8h.csv', fundingInRange(FROM, TO)));
    const klines = fake.requests.filter((r) => r.path === '/v5/market/kline');
    const rates = fake.requests.filter((r) => r.path === '/v5/market/funding/history');
    expect(klines).toHaveLength(Math.ceil(BARS_PER_SYMBOL / 100));
    expect(rates).toHaveLength(Math.ceil(FUNDING_PER_SYMBOL / 49)); // windows of 49 intervals: never a full page on a regular schedule
    for (const r of klines) {
      expect(r.query).toMatchObject({ category: 'linear', symbol: 'BTCUSDT', interval: '240', limit: '100' });
      expect((Number(r.query.end) - Number(r.query.start)) / 14_400_000).toBeLessThan(100);
    }
    for (const r of rates) {
      expect(r.query).toMatchObject({ category: 'linear', symbol: 'BTCUSDT', limit: '50' });
      expect(Number(r.query.endTime) - Number(r.query.startTime)).toBeLessThan(50 * 8 * 3_600_000);
    }
    expect(fake.requests.every((r) => r.status === 200 && r.retCode === 0 && r.host === new URL(fake.url).host)).toBe(true);
  });

  it('drops the candle still open and funding not yet settled (close time ≤ now)', async () => {
    const now = Date.UTC(2024, 1, 1, 2, 0); // 2024-02-01 02:00: the 00:00 bar closes at 04:00
    const client = newClient({ now: () => now });
    const bars = await client.fetchOHLCV('ETHUSDT', '4h', Date.UTC(2024, 0, 31), Date.UTC(2024, 1, 3));
    expect(bars.at(-1)!.ts).toBe(Date.UTC(2024, 0, 31, 20));
    expect(bars).toHaveLength(6);
    const funding = await client.fetchFundingRateHistory('ETHUSDT', Date.UTC(2024, 0, 31), Date.UTC(2024, 1, 3));
    expect(funding.map((f) => f.ts)).toEqual([Date.UTC(2024, 0, 31, 8), Date.UTC(2024, 0, 31, 16), Date.UTC(2024, 1, 1, 0)]);
  });

  it('recovers from two HTTP 500s and a retCode 10006 with backoff', async () => {
    fake.failNext(2, 'http500');
    fake.failNext(1, 'rateLimit');
    const bars = await newClient().fetchOHLCV('SOLUSDT', '4h', FROM, TO);
    expect(bars.map((b) => [b.ts, b.open, b.high, b.low, b.close, b.volume].join(','))).toEqual(realLines('bybit_SOLUSDT_4h.csv', barsInRange(FROM, TO)));
    expect(fake.requests.map((r) => r.fault)).toEqual(['http500', 'http500', 'rateLimit', null]);
    expect(retries.map((r) => [r.attempt, r.error.split(':')[0]])).toEqual([
      [1, 'ExchangeNotAvailable'],
      [2, 'ExchangeNotAvailable'],
      [3, 'RateLimitExceeded'],
    ]);
    expect(retries.map((r) => r.delayMs)).toEqual([1, 2, 2]);
  });

  it('gives up after the bounded retries with a message naming the symbol', async () => {
    fake.failNext(10, 'http500');
    const error = await newClient({ maxRetries: 2 })
      .fetchFundingRateHistory('BTCUSDT', FROM, TO)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BybitHistoryError);
    expect((error as BybitHistoryError).code).toBe('BYBIT.RETRIES_EXHAUSTED');
    expect((error as Error).message).toMatch(/^BTCUSDT: GET \/v5\/market\/funding\/history still failing after 2 retries: ExchangeNotAvailable/);
    expect(fake.requests).toHaveLength(3);
  });

  it('fails fast on retCode 10001, naming the symbol and the exchange message', async () => {
    fake.failNext(1, 'badParams');
    const error = await newClient()
      .fetchOHLCV('ETHUSDT', '4h', FROM, TO)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BybitHistoryError);
    expect((error as BybitHistoryError).code).toBe('BYBIT.REJECTED');
    expect((error as BybitHistoryError).symbol).toBe('ETHUSDT');
    expect((error as Error).message).toBe('ETHUSDT: Bybit rejected GET /v5/market/kline (BadRequest): retCode 10001 "params error: injected by the fake"');
    expect(fake.requests).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('a failure mid-ingestion leaves no partial file (the completed file stays whole)', async () => {
    const dir = outDir();
    // BTC: 6 pages of 100 bars; ETH fails on its 3rd page, after retries run out.
    fake.failNext(10, 'http500', { after: 6 + 2, path: '/v5/market/kline' });
    const result = await ingest(['--out', dir, '--instruments', 'BTCUSDT,ETHUSDT', '--from', '2024-01-01', '--to', '2024-04-01'], { klineLimit: 100, maxRetries: 2 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/retry 1\/2 in 1 ms: ETHUSDT GET \/v5\/market\/kline: ExchangeNotAvailable/);
    expect(result.stderr).toMatch(/ingest failed: ETHUSDT: GET \/v5\/market\/kline still failing after 2 retries/);
    expect(readdirSync(dir)).toEqual(['bybit_BTCUSDT_4h.csv']);
    expect(readFileSync(join(dir, 'bybit_BTCUSDT_4h.csv'), 'utf8')).toBe(fileText(BAR_HEADER, realLines('bybit_BTCUSDT_4h.csv', barsInRange(FROM, TO))));
  });

  it('a rejected page in the middle of a file writes nothing for it', async () => {
    const dir = outDir();
    fake.failNext(1, 'badParams', { after: 2 });
    const result = await ingest(['--out', dir, '--instruments', 'SOLUSDT', '--from', '2024-01-01', '--to', '2024-04-01'], { klineLimit: 100 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ingest failed: SOLUSDT: Bybit rejected GET /v5/market/kline (BadRequest): retCode 10001');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unknown symbol is a clear error before any request', async () => {
    const dir = outDir();
    const result = await ingest(['--out', dir, '--instruments', 'BTCUSDT,DOGEUSDT']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ingest failed: unknown instrument 'DOGEUSDT': not a Bybit USDT linear perpetual of config/markets/bybit-linear.json (known: BTCUSDT, ETHUSDT, SOLUSDT)");
    expect(fake.requests).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a symbol the exchange does not list is rejected with its message', async () => {
    const dir = outDir();
    const fixture = JSON.parse(readFileSync(new URL('../../config/markets/bybit-linear.json', import.meta.url), 'utf8')) as { markets: Array<Record<string, unknown>> };
    const btc = fixture.markets[0]!;
    const doge = { ...btc, id: 'DOGEUSDT', symbol: 'DOGE/USDT:USDT', base: 'DOGE', baseId: 'DOGE', info: { ...(btc.info as object), symbol: 'DOGEUSDT', baseCoin: 'DOGE' } };
    const marketsFile = join(dir, 'markets.json');
    writeFileSync(marketsFile, JSON.stringify({ markets: [...fixture.markets, doge] }));
    const error = await newClient({ marketsFile })
      .fetchOHLCV('DOGE/USDT:USDT', '4h', FROM, TO)
      .catch((e: unknown) => e);
    expect((error as BybitHistoryError).code).toBe('BYBIT.REJECTED');
    expect((error as Error).message).toBe('DOGEUSDT: Bybit rejected GET /v5/market/kline (BadSymbol): retCode 10001 "Not supported symbols"');
  });

  it('appends only newer rows to an existing catalog and refuses a conflicting row', async () => {
    const dir = outDir();
    const mid = Date.UTC(2024, 1, 1);
    expect((await ingest(['--out', dir, '--instruments', 'BTCUSDT', '--from', '2024-01-01', '--to', '2024-02-01', '--funding'])).code).toBe(0);
    const second = await ingest(['--out', dir, '--instruments', 'BTCUSDT', '--from', '2024-01-15', '--to', '2024-04-01', '--funding']);
    expect(second.code).toBe(0);
    const appendedBars = realLines('bybit_BTCUSDT_4h.csv', barsInRange(mid, TO)).length;
    expect(second.stdout).toMatch(new RegExp(`bybit_BTCUSDT_4h\\.csv\\s+\\d+\\s+${appendedBars}\\s+${17 * 6}\\s+${BARS_PER_SYMBOL}\\s`));
    expect(readFileSync(join(dir, 'bybit_BTCUSDT_4h.csv'), 'utf8')).toBe(fileText(BAR_HEADER, realLines('bybit_BTCUSDT_4h.csv', barsInRange(FROM, TO))));
    expect(readFileSync(join(dir, 'bybit_BTCUSDT_funding_8h.csv'), 'utf8')).toBe(fileText(FUNDING_HEADER, realLines('bybit_BTCUSDT_funding_8h.csv', fundingInRange(FROM, TO))));

    // Tamper one stored close: the next ingestion over it refuses and leaves the file as it was.
    const file = join(dir, 'bybit_BTCUSDT_4h.csv');
    const tampered = readFileSync(file, 'utf8').replace(/^(1706745600000,[^,]+,[^,]+,[^,]+,)([^,]+)/m, '$1123.4');
    writeFileSync(file, tampered);
    const third = await ingest(['--out', dir, '--instruments', 'BTCUSDT', '--from', '2024-01-20', '--to', '2024-04-02']);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(/ingest failed: bybit_BTCUSDT_4h\.csv: the row at 1706745600000 \(2024-02-01T00:00:00\.000Z\) is '1706745600000,[^']*,123\.4,[^']*' in the file but '[^']*' from the exchange; refusing to overwrite it/);
    expect(readFileSync(file, 'utf8')).toBe(tampered);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to append with a hole after the last stored bar', async () => {
    const dir = outDir();
    expect((await ingest(['--out', dir, '--instruments', 'ETHUSDT', '--from', '2024-01-01', '--to', '2024-01-10'])).code).toBe(0);
    const result = await ingest(['--out', dir, '--instruments', 'ETHUSDT', '--from', '2024-02-01', '--to', '2024-03-01']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ingest failed: bybit_ETHUSDT_4h.csv: appending from 2024-02-01T00:00:00.000Z would leave 132 missing bar(s) after the file');
  });

  it('reads BYBIT_API_URL, and without it talks to api.bybit.com, which the guard blocks', async () => {
    expect(new BybitHistoryClient({ env: { BYBIT_API_URL: `${fake.url}/` } }).baseUrl).toBe(fake.url);
    const real = guardFetch(new BybitHistoryClient({ env: {}, maxRetries: 0 }));
    expect(real.baseUrl).toBe('https://api.bybit.com');
    const error = await real.fetchOHLCV('BTCUSDT', '4h', FROM, TO).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^blocked request to api\.bybit\.com/);
    expect(fake.requests).toEqual([]);
  });

  it('the CLI rejects bad arguments with its usage (exit 2)', async () => {
    const noOut = await ingest(['--instruments', 'BTCUSDT']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/^--out <dir> is required\n\nusage: npm run ingest/);
    const badInterval = await ingest(['--out', outDir(), '--interval', '3h']);
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toMatch(/^--interval: interval '3h' is not one of 1m, 5m, 15m, 1h, 4h, 1d/);
    const reversed = await ingest(['--out', outDir(), '--from', '2024-04-01', '--to', '2024-01-01']);
    expect(reversed.code).toBe(2);
    expect(fake.requests).toEqual([]);
  });

  // Declared last, so it runs after every test above (afterAll checks the same once more).
  it('sent every request of this file to 127.0.0.1, and the fake server saw each one', () => {
    resetFake();
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.filter((u) => new URL(u).hostname !== '127.0.0.1')).toEqual([]);
    expect(seenByFake).toBe(fetched.length);
  });
});
