import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import type { EventEnvelope, EventStore } from '@lib/kernel';
import { DuplicateEventError, isUniqueViolation, PersistenceUnavailableError } from '../sql/persistence.errors.js';
import { executeStatement, observedOn, sqlGatewayFor, SqliteGateway, type SqlGateway, type SqlPlan } from '../sql/sql-gateway.js';
import { chunked, int64, valuesPlaceholders, type SqlValue } from '../sql/sql-values.js';

const INSERT_COLUMNS = 'seq, event_id, stream_id, stream_seq, type, version, ts_event, correlation_id, causation_id, payload, recorded_at';
const COLUMN_COUNT = 11;
const SELECT_COLUMNS = 'seq, event_id, stream_id, stream_seq, type, version, ts_event, correlation_id, causation_id, payload';
/**
 * Rows per PostgreSQL INSERT: 11,000 parameters, well under the 65,535 a statement may bind.
 * A full chunk runs as a named statement, parsed and planned once per connection (planning an
 * INSERT this wide costs more than running it); a shorter tail runs as an ad-hoc statement.
 */
const POSTGRES_ROWS_PER_INSERT = 1_000;
const POSTGRES_INSERT_STATEMENT = `tm_events_insert_${POSTGRES_ROWS_PER_INSERT}`;
const APPEND_OPERATION = 'events.append';

interface StoredEventRow {
  seq: number | string;
  event_id: string;
  stream_id: string;
  stream_seq: number;
  type: string;
  version: number;
  ts_event: number | string;
  correlation_id: string;
  causation_id: string | null;
  payload: string;
}

/** Writes one batch atomically; a failed batch leaves nothing behind. */
interface EventBatchWriter {
  write(batch: readonly EventEnvelope[], recordedAt: number): Promise<void>;
}

/**
 * The event store on SQLite (embedded default) or PostgreSQL. Appends bypass the ORM: on SQLite
 * a cached prepared INSERT runs once per event inside one native transaction, on PostgreSQL
 * multi-row INSERTs run inside one transaction. Reads are keyset-paged on (stream_id, stream_seq).
 *
 * The DataSource belongs to whoever created it: `close()` only stops this store.
 */
export class SqlEventStore implements EventStore {
  private readonly base: ReturnType<typeof sqlGatewayFor>;
  /** Every read is reported as `events.read`; an append, whole, as `events.append`. */
  private readonly gateway: SqlGateway;
  private readonly writer: EventBatchWriter;
  private closed = false;

  constructor(
    dataSource: DataSource,
    /** Wall-clock time of an append (bookkeeping, never part of the event stream). */
    private readonly now: () => number = Date.now,
  ) {
    this.base = sqlGatewayFor(dataSource);
    this.gateway = this.base.named('events.read');
    this.writer =
      this.base instanceof SqliteGateway ? new SqliteBatchWriter(this.base, dataSource) : new PostgresBatchWriter(this.base.named(APPEND_OPERATION));
  }

  async lastSeq(): Promise<number> {
    this.assertOpen();
    const [row] = await this.gateway.select<{ last: number | string }>('SELECT COALESCE(MAX(seq), 0) AS last FROM events');
    return int64(row?.last ?? 0, 'events.seq');
  }

  async lastStreamSeq(streamId: string): Promise<number> {
    this.assertOpen();
    const [row] = await this.gateway.select<{ last: number | string }>(
      'SELECT COALESCE(MAX(stream_seq), 0) AS last FROM events WHERE stream_id = ?',
      [streamId],
    );
    return int64(row?.last ?? 0, 'events.stream_seq');
  }

  async append(batch: readonly EventEnvelope[]): Promise<void> {
    this.assertOpen();
    if (batch.length === 0) return;
    try {
      await this.writer.write(batch, this.now());
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const first = batch[0]!;
      throw new DuplicateEventError(
        `append of ${batch.length} events (seq ${first.seq}.., stream ${first.streamId}) refused: a seq, eventId or (streamId, streamSeq) is already stored or repeated; nothing of the batch was written`,
        { cause: err },
      );
    }
  }

  async readStream(streamId: string, afterStreamSeq: number, limit: number): Promise<EventEnvelope[]> {
    this.assertOpen();
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`readStream limit must be a non-negative integer, got ${limit}`);
    if (limit === 0) return [];
    const sql = `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = ? AND stream_seq > ? ORDER BY stream_seq LIMIT ?`;
    if (this.base instanceof SqliteGateway) {
      // Replay reads whole streams: array rows skip an object per row (about twice as fast).
      const rows = await this.base.selectRaw(sql, [streamId, afterStreamSeq, limit], 'events.read');
      return rows.map(envelopeFromArray);
    }
    const rows = await this.gateway.select<StoredEventRow>(sql, [streamId, afterStreamSeq, limit]);
    return rows.map(toEnvelope);
  }

  async countStream(streamId: string): Promise<number> {
    this.assertOpen();
    const [row] = await this.gateway.select<{ n: number | string }>('SELECT COUNT(*) AS n FROM events WHERE stream_id = ?', [streamId]);
    return int64(row?.n ?? 0, 'count');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new PersistenceUnavailableError('event store is closed');
  }
}

/** A row of SELECT_COLUMNS as an array (SQLite returns integers as numbers already). */
function envelopeFromArray(row: unknown[]): EventEnvelope {
  return {
    seq: int64(row[0], 'events.seq'),
    eventId: row[1] as string,
    streamId: row[2] as string,
    streamSeq: row[3] as number,
    type: row[4] as string,
    version: row[5] as number,
    tsEvent: int64(row[6], 'events.ts_event'),
    correlationId: row[7] as string,
    causationId: row[8] as string | null,
    payload: row[9] as string,
  };
}

function toEnvelope(row: StoredEventRow): EventEnvelope {
  return {
    seq: int64(row.seq, 'events.seq'),
    eventId: row.event_id,
    streamId: row.stream_id,
    streamSeq: row.stream_seq,
    type: row.type,
    version: row.version,
    tsEvent: int64(row.ts_event, 'events.ts_event'),
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    payload: row.payload,
  };
}

/**
 * One prepared INSERT, run per event inside one `db.transaction()`: better-sqlite3 executes it
 * synchronously, so the whole batch commits (or rolls back) without yielding to the event loop.
 */
class SqliteBatchWriter implements EventBatchWriter {
  private prepared: { db: BetterSqlite3.Database; insertBatch: (batch: readonly EventEnvelope[], recordedAt: number) => void } | null = null;

  constructor(
    private readonly gateway: SqliteGateway,
    private readonly dataSource: DataSource,
  ) {}

  // The native handle is used directly (one prepared INSERT per event), so the report is made here.
  write(batch: readonly EventEnvelope[], recordedAt: number): Promise<void> {
    return observedOn(this.dataSource, APPEND_OPERATION, async () => this.insertBatchOn(this.gateway.nativeHandle())(batch, recordedAt));
  }

  private insertBatchOn(db: BetterSqlite3.Database): (batch: readonly EventEnvelope[], recordedAt: number) => void {
    if (this.prepared?.db !== db) {
      const insert = db.prepare<SqlValue[]>(`INSERT INTO events (${INSERT_COLUMNS}) VALUES (${new Array<string>(COLUMN_COUNT).fill('?').join(', ')})`);
      const transaction = db.transaction((batch: readonly EventEnvelope[], recordedAt: number) => {
        for (const e of batch) {
          insert.run(e.seq, e.eventId, e.streamId, e.streamSeq, e.type, e.version, e.tsEvent, e.correlationId, e.causationId, e.payload, recordedAt);
        }
      });
      // IMMEDIATE: take the write lock at BEGIN, so a second process waits instead of deadlocking.
      this.prepared = { db, insertBatch: transaction.immediate };
    }
    return this.prepared.insertBatch;
  }
}

/** Multi-row parameterized INSERTs, one transaction per batch (none needed when one statement holds it all). */
class PostgresBatchWriter implements EventBatchWriter {
  private readonly statements = new Map<number, string>();

  constructor(private readonly gateway: SqlGateway) {}

  async write(batch: readonly EventEnvelope[], recordedAt: number): Promise<void> {
    if (batch.length <= POSTGRES_ROWS_PER_INSERT) {
      await this.gateway.execute(this.insertFor(batch.length), parameters(batch, recordedAt), this.statementName(batch.length));
      return;
    }
    await this.gateway.transaction(this.insertChunks(batch, recordedAt));
  }

  private *insertChunks(batch: readonly EventEnvelope[], recordedAt: number): SqlPlan<void> {
    for (const chunk of chunked(batch, POSTGRES_ROWS_PER_INSERT)) {
      yield* executeStatement(this.insertFor(chunk.length), parameters(chunk, recordedAt), this.statementName(chunk.length));
    }
  }

  private statementName(rows: number): string | undefined {
    return rows === POSTGRES_ROWS_PER_INSERT ? POSTGRES_INSERT_STATEMENT : undefined;
  }

  private insertFor(rows: number): string {
    let sql = this.statements.get(rows);
    if (sql === undefined) {
      sql = `INSERT INTO events (${INSERT_COLUMNS}) VALUES ${valuesPlaceholders(rows, COLUMN_COUNT)}`;
      // Sizes repeat (full chunks, the bus's batch size, the odd tail), so a few entries suffice.
      if (this.statements.size >= 8) this.statements.clear();
      this.statements.set(rows, sql);
    }
    return sql;
  }
}

function parameters(batch: readonly EventEnvelope[], recordedAt: number): SqlValue[] {
  const out = new Array<SqlValue>(batch.length * COLUMN_COUNT);
  let i = 0;
  for (const e of batch) {
    out[i++] = e.seq;
    out[i++] = e.eventId;
    out[i++] = e.streamId;
    out[i++] = e.streamSeq;
    out[i++] = e.type;
    out[i++] = e.version;
    out[i++] = e.tsEvent;
    out[i++] = e.correlationId;
    out[i++] = e.causationId;
    out[i++] = e.payload;
    out[i++] = recordedAt;
  }
  return out;
}
