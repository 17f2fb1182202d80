import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DATA_DIR } from './databases.js';

/**
 * A fake Bybit v5 REST API on 127.0.0.1 (random port) serving the REAL recorded files of the
 * shared data folder, in Bybit's own response format:
 *
 * - `GET /v5/market/kline?category=linear&symbol=BTCUSDT&interval=240&start=…&end=…&limit=…`
 *   from `bybit_{SYMBOL}_4h.csv` (interval 240) and `bybit_{SYMBOL}_1h.csv` (interval 60):
 *   `{"retCode":0,"retMsg":"OK","result":{"symbol","category","list":[[startTime, open, high,
 *   low, close, volume, turnover], …]},"retExtInfo":{},"time":…}`, every field a string, newest
 *   first. Like Bybit: the candle containing `start` is the first one, `end` is inclusive,
 *   `limit` is 1..1000 (default 200) and, when the range holds more, the NEWEST `limit` candles
 *   are returned (with `start` alone, the oldest `limit` from `start`). The files do not record
 *   turnover (quote volume); the fake serves volume × close as a stand-in, which clients ignore.
 * - `GET /v5/market/funding/history?category=linear&symbol=…&startTime=…&endTime=…&limit=…`
 *   from `bybit_{SYMBOL}_funding_8h.csv`: `result.list` of `{symbol, fundingRate,
 *   fundingRateTimestamp}`, newest first, `limit` 1..200 (default 200), newest `limit` in
 *   [startTime, endTime]; `startTime` without `endTime` is an error, as on Bybit.
 * - Bad parameters and unknown symbols answer HTTP 200 with retCode 10001, as Bybit does.
 *   Every other path or method is a 404.
 *
 * Faults are injected with `failNext(n, kind)`: HTTP 500, retCode 10006 (rate limit) or retCode
 * 10001 (bad params) for the next n requests to the v5 endpoints (after `after` good ones).
 * Every request is recorded.
 */

export type FaultKind = 'http500' | 'rateLimit' | 'badParams';

export interface SeenRequest {
  readonly method: string;
  /** The Host header the client sent. */
  readonly host: string;
  readonly remoteAddress: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  /** Bybit retCode of the answer (null for a non-JSON answer). */
  readonly retCode: number | null;
  readonly fault: FaultKind | null;
}

export interface FakeBybit {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Fails the next `count` v5 requests (optionally only on `path`, after `after` requests served normally). */
  failNext(count: number, kind: FaultKind, options?: { after?: number; path?: string }): void;
  /** Forgets recorded requests and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

const KLINE_FILES: Readonly<Record<string, { file: string; ms: number }>> = {
  '60': { file: '1h', ms: 3_600_000 },
  '240': { file: '4h', ms: 14_400_000 },
};
const KLINE_INTERVALS = new Set(['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D', 'W', 'M']);
const INTEGER = /^\d+$/;

interface Fault {
  kind: FaultKind;
  remaining: number;
  after: number;
  path: string | undefined;
}

class BybitParamError extends Error {}

export async function startFakeBybit(options: { dataDir?: string } = {}): Promise<FakeBybit> {
  const dataDir = options.dataDir ?? DATA_DIR;
  const cache = new Map<string, string[][] | null>();
  const requests: SeenRequest[] = [];
  let faults: Fault[] = [];

  /** Data rows of a real file (strings untouched), ascending; null when there is no such file. */
  const rowsOf = (file: string): string[][] | null => {
    if (!cache.has(file)) {
      const path = join(dataDir, file);
      cache.set(
        file,
        existsSync(path)
          ? readFileSync(path, 'utf8')
              .split('\n')
              .slice(1)
              .filter((l) => l.trim() !== '')
              .map((l) => l.split(','))
          : null,
      );
    }
    return cache.get(file)!;
  };

  const symbolOk = (symbol: string | undefined): string => {
    if (symbol === undefined || symbol === '') throw new BybitParamError('params error: symbol invalid');
    if (!/^[A-Z0-9]+$/.test(symbol) || rowsOf(`bybit_${symbol}_4h.csv`) === null) throw new BybitParamError('Not supported symbols');
    return symbol;
  };
  const intParam = (q: Record<string, string>, name: string): number | undefined => {
    const v = q[name];
    if (v === undefined) return undefined;
    if (!INTEGER.test(v) || !Number.isSafeInteger(Number(v))) throw new BybitParamError(`params error: ${name} invalid`);
    return Number(v);
  };
  const limitParam = (q: Record<string, string>, max: number, fallback: number): number => {
    const limit = intParam(q, 'limit') ?? fallback;
    if (limit < 1 || limit > max) throw new BybitParamError(`params error: limit must be in [1, ${max}]`);
    return limit;
  };

  const kline = (q: Record<string, string>) => {
    const category = q.category ?? 'linear';
    if (category !== 'linear') throw new BybitParamError(`Illegal category`);
    const symbol = symbolOk(q.symbol);
    const interval = q.interval;
    if (interval === undefined || !KLINE_INTERVALS.has(interval)) throw new BybitParamError('params error: interval invalid');
    const source = KLINE_FILES[interval];
    if (source === undefined) throw new BybitParamError(`fake Bybit has no recorded ${interval} klines (only 60 and 240)`);
    const limit = limitParam(q, 1000, 200);
    const start = intParam(q, 'start');
    const end = intParam(q, 'end');
    const rows = rowsOf(`bybit_${symbol}_${source.file}.csv`) ?? [];
    const inRange = rows.filter((r) => {
      const ts = Number(r[0]);
      return (start === undefined || ts + source.ms > start) && (end === undefined || ts <= end);
    });
    const picked = start !== undefined && end === undefined ? inRange.slice(0, limit) : inRange.slice(Math.max(0, inRange.length - limit));
    const list = picked.reverse().map(([ts, open, high, low, close, volume]) => [ts!, open!, high!, low!, close!, volume!, (Number(volume) * Number(close)).toFixed(4)]);
    return { symbol, category, list };
  };

  const funding = (q: Record<string, string>) => {
    const category = q.category;
    if (category !== 'linear') throw new BybitParamError('Illegal category');
    const symbol = symbolOk(q.symbol);
    const limit = limitParam(q, 200, 200);
    const startTime = intParam(q, 'startTime');
    const endTime = intParam(q, 'endTime');
    if (startTime !== undefined && endTime === undefined) throw new BybitParamError('params error: endTime is required when startTime is passed');
    const rows = rowsOf(`bybit_${symbol}_funding_8h.csv`) ?? [];
    const inRange = rows.filter((r) => {
      const ts = Number(r[0]);
      return (startTime === undefined || ts >= startTime) && (endTime === undefined || ts <= endTime);
    });
    const list = inRange
      .slice(Math.max(0, inRange.length - limit))
      .reverse()
      .map(([ts, rate]) => ({ symbol, fundingRate: rate!, fundingRateTimestamp: ts! }));
    return { category, list };
  };

  const routes: Readonly<Record<string, (q: Record<string, string>) => object>> = {
    '/v5/market/kline': kline,
    '/v5/market/funding/history': funding,
  };

  const takeFault = (path: string): FaultKind | null => {
    const fault = faults.find((f) => f.remaining > 0 && (f.path === undefined || f.path === path));
    if (!fault) return null;
    if (fault.after > 0) {
      fault.after--;
      return null;
    }
    fault.remaining--;
    return fault.kind;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    const record = (status: number, retCode: number | null, fault: FaultKind | null) =>
      requests.push({ method: req.method ?? '', host: req.headers.host ?? '', remoteAddress: req.socket.remoteAddress ?? '', path: url.pathname, query, status, retCode, fault });
    const json = (retCode: number, retMsg: string, result: object, fault: FaultKind | null = null) => {
      record(200, retCode, fault);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ retCode, retMsg, result, retExtInfo: {}, time: Date.now() }));
    };

    const route = routes[url.pathname];
    if (req.method !== 'GET' || route === undefined) {
      record(404, null, null);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    const fault = takeFault(url.pathname);
    if (fault === 'http500') {
      record(500, null, fault);
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal Server Error');
      return;
    }
    if (fault === 'rateLimit') return json(10006, 'Too many visits!', {}, fault);
    if (fault === 'badParams') return json(10001, 'params error: injected by the fake', {}, fault);
    try {
      json(0, 'OK', route(query));
    } catch (err) {
      if (err instanceof BybitParamError) return json(10001, err.message, {});
      throw err;
    }
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake bybit bug: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, kind, opts = {}) {
      faults.push({ kind, remaining: count, after: opts.after ?? 0, path: opts.path });
    },
    reset() {
      requests.length = 0;
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
