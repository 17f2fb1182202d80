/**
 * Append throughput of SqlEventStore: 200,000 events in batches of 1,000 into a fresh database,
 * after a warm-up batch. Run with `node libs/persistence/bench/run.mjs` (SQLite in a temp file,
 * plus PostgreSQL when BENCH_POSTGRES_URL is set, e.g. postgres://postgres@127.0.0.1:5432/test).
 *
 * Two event-id layouts: `hashed` is what the kernel generates today (sha1 of stream and position),
 * which scatters every batch over the whole event_id index; `ordered` keeps ids of one stream
 * adjacent, the same data otherwise. The gap between the two is the cost of that index.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@lib/kernel';
import { createDataSource, openDataSource } from '../src/data-source/data-source.factory.js';
import { SqlEventStore } from '../src/events/sql-event-store.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000);

type EventIdLayout = (streamId: string, streamSeq: number) => string;

const EVENT_ID_LAYOUTS: Record<'hashed' | 'ordered', EventIdLayout> = {
  /** Shaped like the kernel's deterministicEventId: sha1-derived, so index inserts land at random places. */
  hashed: (streamId, streamSeq) => {
    const h = createHash('sha1').update(`${streamId}:${streamSeq}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  },
  /** Same length, stream prefix then position: consecutive events are neighbours in the index. */
  ordered: (streamId, streamSeq) => {
    const h = createHash('sha1').update(streamId).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${streamSeq.toString(16).padStart(17, '0').replace(/^(.{4})/, '$1-')}`;
  },
};

function batches(streamId: string, eventId: EventIdLayout): EventEnvelope[][] {
  const out: EventEnvelope[][] = [];
  const first = eventId(streamId, 1);
  for (let start = 0; start < EVENTS + BATCH; start += BATCH) {
    const batch: EventEnvelope[] = [];
    for (let i = start + 1; i <= start + BATCH; i++) {
      batch.push({
        seq: i,
        eventId: eventId(streamId, i),
        streamId,
        streamSeq: i,
        type: 'order.filled',
        version: 1,
        tsEvent: 1_704_067_200_000 + i * 1000,
        correlationId: first,
        causationId: i === 1 ? null : eventId(streamId, i - 1),
        payload: `{"instrumentId":"BTCUSDT-PERP.BYBIT","clientOrderId":"O-${i}","lastPx":"42123.50000000","lastQty":"0.015","commission":"0.31592625 USDT","tsEvent":${1_704_067_200_000 + i * 1000}}`,
      });
    }
    out.push(batch);
  }
  return out;
}

async function measure(label: string, url: string, eventId: EventIdLayout): Promise<void> {
  const dataSource = await openDataSource(url);
  try {
    const store = new SqlEventStore(dataSource);
    const [warmUp, ...measured] = batches(`bench-${randomBytes(4).toString('hex')}`, eventId);
    await store.append(warmUp!);
    const started = process.hrtime.bigint();
    for (const batch of measured) await store.append(batch);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const count = measured.length * BATCH;
    if ((await store.lastSeq()) !== count + BATCH) throw new Error('bench: events missing after append');
    console.log(`${label.padEnd(20)} ${count.toLocaleString('en-US')} events in batches of ${BATCH}: ${(count / seconds).toLocaleString('en-US', { maximumFractionDigits: 0 })} events/s (${seconds.toFixed(2)} s)`);
  } finally {
    await dataSource.destroy();
  }
}

async function main(): Promise<void> {
  for (const [layout, eventId] of Object.entries(EVENT_ID_LAYOUTS)) {
    const dir = mkdtempSync(join(tmpdir(), 'tm-append-bench-'));
    try {
      await measure(`sqlite ${layout} ids`, `sqlite:${join(dir, 'bench.sqlite')}`, eventId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const postgresUrl = process.env.BENCH_POSTGRES_URL;
  if (!postgresUrl) return;
  for (const [layout, eventId] of Object.entries(EVENT_ID_LAYOUTS)) {
    const schema = `tm_bench_${randomBytes(4).toString('hex')}`;
    try {
      await measure(`postgres ${layout} ids`, `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}schema=${schema}`, eventId);
    } finally {
      // Not openDataSource: migrating here would create the tables in the default schema.
      const cleanup = await createDataSource(postgresUrl).initialize();
      await cleanup.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await cleanup.destroy();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
