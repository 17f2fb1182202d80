import type { DataSource } from 'typeorm';
import { readStreamChecked, type EventEnvelope } from '@lib/kernel';
import { openDataSource } from '../data-source/data-source.factory.js';
import { DuplicateEventError, PersistenceUnavailableError } from '../sql/persistence.errors.js';
import { AWKWARD_PAYLOADS, streamEvents } from '../testing/event-fixtures.js';
import { BACKENDS, connectPostgres, createTestDatabase, terminatePostgresConnections, waitForLockWait, type TestDatabase } from '../testing/test-databases.js';
import { SqlEventStore } from './sql-event-store.js';

describe.each(BACKENDS)('SqlEventStore on %s', (backend) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let store: SqlEventStore;
  let nextSeq: number;
  let streamCounter = 0;

  /** A fresh stream name per test: the database is shared by the whole file. */
  const newStream = () => `run-${backend}-${++streamCounter}`;
  const events = (streamId: string, fromStreamSeq: number, count: number) => {
    const out = streamEvents(streamId, fromStreamSeq, count, nextSeq);
    nextSeq += count;
    return out;
  };

  beforeAll(async () => {
    db = createTestDatabase(backend);
    dataSource = await openDataSource(db.url);
    store = new SqlEventStore(dataSource);
    nextSeq = 1;
  });

  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await db.drop();
  });

  it('starts empty', async () => {
    expect(await store.lastSeq()).toBe(0);
    expect(await store.lastStreamSeq('nope')).toBe(0);
    expect(await store.countStream('nope')).toBe(0);
    expect(await store.readStream('nope', 0, 10)).toEqual([]);
  });

  it('reads back exactly what was appended, payload bytes included', async () => {
    const streamId = newStream();
    const batch: EventEnvelope[] = events(streamId, 1, AWKWARD_PAYLOADS.length).map((e, i) => ({ ...e, payload: AWKWARD_PAYLOADS[i]! }));
    await store.append(batch);
    const read = await store.readStream(streamId, 0, 100);
    expect(read).toEqual(batch);
    for (const [i, e] of read.entries()) expect(Buffer.from(e.payload, 'utf8').equals(Buffer.from(AWKWARD_PAYLOADS[i]!, 'utf8'))).toBe(true);
    expect(typeof read[0]!.seq).toBe('number');
    expect(typeof read[0]!.tsEvent).toBe('number');
    expect(read[0]!.causationId).toBeNull();
  });

  it('keeps 64-bit values as JS numbers', async () => {
    const streamId = newStream();
    const [event] = events(streamId, 1, 1);
    const big = { ...event!, tsEvent: Number.MAX_SAFE_INTEGER - 1 };
    await store.append([big]);
    expect(await store.readStream(streamId, 0, 1)).toEqual([big]);
  });

  it('tracks lastSeq and lastStreamSeq per stream', async () => {
    const a = newStream();
    const b = newStream();
    await store.append([...events(a, 1, 3), ...events(b, 1, 2)]);
    await store.append(events(a, 4, 2));
    expect(await store.lastSeq()).toBe(nextSeq - 1);
    expect(await store.lastStreamSeq(a)).toBe(5);
    expect(await store.lastStreamSeq(b)).toBe(2);
    expect(await store.countStream(a)).toBe(5);
    expect(await store.countStream(b)).toBe(2);
  });

  it('pages through a stream in streamSeq order (keyset on streamSeq)', async () => {
    const streamId = newStream();
    const other = newStream();
    // Interleave two streams so seq order and stream order differ from insertion order.
    for (let i = 0; i < 5; i++) await store.append([...events(other, i * 3 + 1, 3), ...events(streamId, i * 5 + 1, 5)]);
    const first = await store.readStream(streamId, 0, 10);
    expect(first.map((e) => e.streamSeq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const middle = await store.readStream(streamId, 10, 10);
    expect(middle.map((e) => e.streamSeq)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect((await store.readStream(streamId, 20, 10)).map((e) => e.streamSeq)).toEqual([21, 22, 23, 24, 25]);
    expect(await store.readStream(streamId, 25, 10)).toEqual([]);
    expect(await store.readStream(streamId, 3, 0)).toEqual([]);
    const all: number[] = [];
    for await (const e of readStreamChecked(store, streamId, 7)) all.push(e.streamSeq);
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('rejects a negative or fractional page size', async () => {
    await expect(store.readStream('x', 0, -1)).rejects.toThrow(RangeError);
    await expect(store.readStream('x', 0, 1.5)).rejects.toThrow(RangeError);
  });

  it('treats an empty batch as a no-op', async () => {
    const before = await store.lastSeq();
    await store.append([]);
    expect(await store.lastSeq()).toBe(before);
  });

  describe('atomic batches: one duplicate and nothing of the batch is written', () => {
    const duplicates: ReadonlyArray<[string, (stored: EventEnvelope, fresh: EventEnvelope) => EventEnvelope]> = [
      ['seq already stored', (stored, fresh) => ({ ...fresh, seq: stored.seq })],
      ['eventId already stored', (stored, fresh) => ({ ...fresh, eventId: stored.eventId })],
      ['(streamId, streamSeq) already stored', (stored, fresh) => ({ ...fresh, streamSeq: stored.streamSeq, eventId: `${fresh.eventId}-other` })],
    ];

    it.each(duplicates)('%s', async (_, collide) => {
      const streamId = newStream();
      const stored = events(streamId, 1, 2);
      await store.append(stored);
      const lastSeq = await store.lastSeq();
      const fresh = events(streamId, 3, 5);
      fresh[3] = collide(stored[1]!, fresh[3]!);
      await expect(store.append(fresh)).rejects.toBeInstanceOf(DuplicateEventError);
      expect(await store.lastSeq()).toBe(lastSeq);
      expect(await store.countStream(streamId)).toBe(2);
      expect(await store.readStream(streamId, 0, 10)).toEqual(stored);
      // The store is still usable: the same batch without the collision goes in.
      await store.append(fresh.filter((_, i) => i !== 3).map((e, i) => ({ ...e, streamSeq: 3 + i })));
      expect(await store.countStream(streamId)).toBe(6);
    });

    it('a key repeated inside the batch', async () => {
      const streamId = newStream();
      const batch = events(streamId, 1, 4);
      batch[3] = { ...batch[3]!, seq: batch[0]!.seq };
      await expect(store.append(batch)).rejects.toBeInstanceOf(DuplicateEventError);
      expect(await store.countStream(streamId)).toBe(0);
    });

    it('a duplicate at the end of a batch larger than one INSERT statement', async () => {
      const streamId = newStream();
      const stored = events(streamId, 1, 1);
      await store.append(stored);
      const big = events(streamId, 2, 7_000);
      big[6_999] = { ...big[6_999]!, eventId: stored[0]!.eventId };
      await expect(store.append(big)).rejects.toBeInstanceOf(DuplicateEventError);
      expect(await store.countStream(streamId)).toBe(1);
      await store.append(big.slice(0, 6_999));
      expect(await store.countStream(streamId)).toBe(7_000);
      expect(await store.lastStreamSeq(streamId)).toBe(7_000);
    });
  });

  describe('when the database goes away', () => {
    it('rejects appends and reads, and finds every stored row after reconnecting', async () => {
      const streamId = newStream();
      const stored = events(streamId, 1, 50);
      await store.append(stored);
      const lastSeq = await store.lastSeq();
      await dataSource.destroy();

      await expect(store.append(events(streamId, 51, 10))).rejects.toBeInstanceOf(PersistenceUnavailableError);
      await expect(store.lastSeq()).rejects.toBeInstanceOf(PersistenceUnavailableError);

      dataSource = await openDataSource(db.url);
      store = new SqlEventStore(dataSource);
      expect(await store.lastSeq()).toBe(lastSeq);
      expect(await store.readStream(streamId, 0, 100)).toEqual(stored);
      // The rejected batch left nothing; the stream continues where it stood.
      nextSeq = lastSeq + 1;
      await store.append(events(streamId, 51, 10));
      expect(await store.lastStreamSeq(streamId)).toBe(60);
    });

    it('reconnects the same DataSource after destroy + initialize', async () => {
      const streamId = newStream();
      await store.append(events(streamId, 1, 3));
      await dataSource.destroy();
      await dataSource.initialize();
      expect(await store.countStream(streamId)).toBe(3);
      await store.append(events(streamId, 4, 3));
      expect(await store.countStream(streamId)).toBe(6);
    });

    if (backend === 'postgres') {
      it('loses the connection in the middle of a batch: the append rejects, nothing of it is stored, the pool reconnects', async () => {
        const streamId = newStream();
        const stored = events(streamId, 1, 10);
        await store.append(stored);
        // Two INSERT statements; another session holds the last eventId uncommitted, so the second blocks.
        const batch = events(streamId, 11, 7_000);
        const blocker = await connectPostgres(db.schema!);
        try {
          await blocker.query('BEGIN');
          await blocker.query(
            "INSERT INTO events (seq, event_id, stream_id, stream_seq, type, version, ts_event, correlation_id, payload, recorded_at) VALUES (-1, $1, 'blocker', 1, 't', 1, 0, 'c', '{}', 0)",
            [batch.at(-1)!.eventId],
          );
          const append = store.append(batch);
          const settled = append.catch((err: unknown) => err);
          await waitForLockWait(db.schema!);
          expect(await terminatePostgresConnections(db.schema!)).toBeGreaterThan(0);
          const err = await settled;
          expect(err).toBeInstanceOf(PersistenceUnavailableError);
        } finally {
          await blocker.query('ROLLBACK').catch(() => undefined);
          await blocker.end();
        }
        expect(await store.readStream(streamId, 0, 10_000)).toEqual(stored);
        await store.append(batch);
        expect(await store.countStream(streamId)).toBe(7_010);
      });
    }
  });

  it('refuses every call once closed', async () => {
    const own = new SqlEventStore(dataSource);
    await own.close();
    await expect(own.append(events(newStream(), 1, 1))).rejects.toBeInstanceOf(PersistenceUnavailableError);
    await expect(own.lastSeq()).rejects.toBeInstanceOf(PersistenceUnavailableError);
    // Closing a store leaves the shared DataSource to its owner.
    expect(dataSource.isInitialized).toBe(true);
  });
});
