import type { RedisConnection } from '../connection/redis-connection.js';
import { RedisAdapterError } from '../redis.errors.js';
import { InMemorySessionStateStore, decodeSessionState, type LoadedSessionState } from './session-state.js';
import { SessionOutbox, type OutboxEntry } from './session-outbox.js';

export interface RedisSessionStateStoreOptions {
  /** Prepended to every key (config.redis.keyPrefix, e.g. 'tm:'). */
  readonly keyPrefix: string;
  /** Bound of the outbox in individual keys (config.redis.maxPendingWrites). */
  readonly maxPendingWrites: number;
  /** Keys per flush round trip (default 500). */
  readonly batchSize?: number;
  /** Retry delay after a failed flush while the link still looks up, ms (default 1000). */
  readonly retryMs?: number;
}

/**
 * Session state in Redis hashes `${keyPrefix}session:${streamId}` (fields `bar:<instrumentId>` = epoch
 * ms, `breaker` = JSON), written behind the in-process copy through a coalescing outbox.
 *
 * - A write updates the copy and marks the key in the outbox; a flush is scheduled on the next
 *   turn of the event loop, so a burst of bars costs one pipelined round trip per batch.
 * - While Redis is down the keys stay in the outbox (latest value per key); the flush resumes when
 *   the connection reports `up` again, and then every known session is rewritten in full (Redis may
 *   have come back empty). An outbox past its bound rewrites whole sessions instead of
 *   dropping keys, and says so at error level (code REDIS.OUTBOX_OVERFLOW).
 */
export class RedisSessionStateStore extends InMemorySessionStateStore {
  private readonly outbox: SessionOutbox;
  private readonly batchSize: number;
  private readonly retryMs: number;
  private readonly unsubscribe: () => void;
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private seenUp: boolean;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisSessionStateStoreOptions,
  ) {
    super();
    this.batchSize = options.batchSize ?? 500;
    this.retryMs = options.retryMs ?? 1000;
    this.outbox = new SessionOutbox(options.maxPendingWrites, ({ maxPending, hash }) => {
      const err = new RedisAdapterError(
        'REDIS.OUTBOX_OVERFLOW',
        `session-state outbox reached maxPendingWrites=${maxPending} while Redis is unavailable; ` +
          `whole sessions (first: ${hash}) will be rewritten from memory when it returns. No state is lost, but raise redis.maxPendingWrites or restore Redis.`,
      );
      this.logger.error(`${err.code}: ${err.message}`);
    });
    this.unsubscribe = connection.onStatus((status) => {
      if (status.state !== 'up') return;
      // A Redis that comes back may have restarted empty (no persistence, or a failover that lost
      // the tail): every session this process knows is rewritten from memory, not only the keys
      // written during the outage.
      if (this.seenUp) for (const streamId of this.copy.streamIds()) this.outbox.rewrite(this.keyOf(streamId));
      this.seenUp = true;
      this.scheduleFlush();
    });
    this.seenUp = connection.isUp;
  }

  keyOf(streamId: string): string {
    return `${this.options.keyPrefix}session:${streamId}`;
  }

  override pendingWrites(): number {
    let n = this.outbox.pendingKeys;
    for (const hash of this.outbox.dirtyHashes) n += this.copy.fields(this.streamOf(hash)).size;
    return n;
  }

  /** How many times the outbox bound was hit since start. */
  get outboxOverflows(): number {
    return this.outbox.overflows;
  }

  override async load(streamId: string): Promise<LoadedSessionState> {
    if (!this.connection.isUp) {
      this.logger.warn(`session ${streamId}: Redis is unavailable (${this.connection.status.lastError ?? 'not connected'}); starting from the in-process state`);
      return { state: this.current(streamId), source: 'memory' };
    }
    try {
      const remote = await this.connection.client.hgetall(this.keyOf(streamId));
      // The copy is never older than Redis for what this process wrote: those fields win.
      const merged = new Map(Object.entries(remote));
      for (const [field, value] of this.copy.fields(streamId)) merged.set(field, value);
      for (const [field, value] of merged) if (this.copy.get(streamId, field) === undefined) this.copy.set(streamId, field, value);
      return { state: decodeSessionState(streamId, merged, this.logger), source: 'redis' };
    } catch (err) {
      this.logger.warn(`session ${streamId}: reading from Redis failed (${(err as Error).message}); starting from the in-process state`);
      return { state: this.current(streamId), source: 'memory' };
    }
  }

  /** Writes pending keys until none is left, Redis fails, or `timeoutMs` passes. */
  override async flush(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.size > 0 && this.connection.isUp && Date.now() < deadline) {
      const before = this.outbox.size;
      await this.runFlush();
      if (this.outbox.size >= before && !this.connection.isUp) break;
      if (this.outbox.size > 0) await new Promise((r) => setTimeout(r, 10));
    }
    return this.outbox.size === 0;
  }

  override async close(timeoutMs = 5000): Promise<void> {
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    this.unsubscribe();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (!flushed) this.logger.error(`REDIS.UNFLUSHED: ${this.pendingWrites()} session-state writes could not be written to Redis before shutdown`);
  }

  protected override write(streamId: string, field: string, value: string): void {
    super.write(streamId, field, value);
    this.outbox.mark({ hash: this.keyOf(streamId), field });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.scheduled || this.closed || !this.connection.isUp) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.runFlush();
    });
  }

  /** One flush pass; concurrent callers share it. */
  private runFlush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.outbox.size > 0 && this.connection.isUp) {
      const batch = this.outbox.take(this.batchSize);
      const ok = await this.writeBatch(batch);
      if (!ok) {
        this.retryLater();
        return;
      }
    }
  }

  /** One pipeline: an HSET per hash, fields in outbox order, values from the copy as of now. */
  private async writeBatch(batch: readonly OutboxEntry[]): Promise<boolean> {
    const perHash = new Map<string, { fields: Map<string, string>; entries: OutboxEntry[] }>();
    for (const entry of batch) {
      let group = perHash.get(entry.hash);
      if (!group) perHash.set(entry.hash, (group = { fields: new Map(), entries: [] }));
      group.entries.push(entry);
      const streamId = this.streamOf(entry.hash);
      if (entry.field === null) {
        for (const [field, value] of this.copy.fields(streamId)) group.fields.set(field, value);
      } else {
        const value = this.copy.get(streamId, entry.field);
        if (value !== undefined) group.fields.set(entry.field, value);
      }
    }
    const pipeline = this.connection.client.pipeline();
    const groups = [...perHash.entries()];
    for (const [hash, group] of groups) {
      if (group.fields.size > 0) pipeline.hset(hash, Object.fromEntries(group.fields));
      else pipeline.ping();
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      let allOk = results.length === groups.length;
      groups.forEach(([, group], i) => {
        const [err] = results[i] ?? [new Error('no reply')];
        if (err) allOk = false;
        else this.outbox.ack(group.entries);
      });
      return allOk;
    } catch (err) {
      this.logger.debug(`session-state flush failed: ${(err as Error).message}`);
      return false;
    }
  }

  private retryLater(): void {
    if (this.retryTimer !== null || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.scheduleFlush();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private streamOf(hash: string): string {
    return hash.slice(`${this.options.keyPrefix}session:`.length);
  }
}
