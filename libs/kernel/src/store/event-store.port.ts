import type { EventEnvelope } from './event-envelope.js';

/** Append-only event storage. Implementations: SQLite (embedded default) and PostgreSQL. */
export interface EventStore {
  /** Highest global seq in the store, 0 when empty. */
  lastSeq(): Promise<number>;
  /** Highest streamSeq of a stream, 0 when the stream is empty. */
  lastStreamSeq(streamId: string): Promise<number>;
  /** Appends a batch atomically (all or nothing). A duplicate seq/eventId/(stream, streamSeq) is an error. */
  append(batch: readonly EventEnvelope[]): Promise<void>;
  /** Events of one stream in streamSeq order, starting after `afterStreamSeq`, at most `limit`. */
  readStream(streamId: string, afterStreamSeq: number, limit: number): Promise<EventEnvelope[]>;
  /** Number of events in a stream. */
  countStream(streamId: string): Promise<number>;
  /** Releases connections. */
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

export class EventStreamGapError extends Error {
  readonly code = 'EVENTS.GAP';
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly found: number,
  ) {
    super(`event stream ${streamId}: expected streamSeq ${expected}, found ${found} (events missing or reordered)`);
    this.name = 'EventStreamGapError';
  }
}

/**
 * Reads a whole stream page by page and fails on any gap in streamSeq or any non-increasing
 * seq. Yields pages, so a replay pays one await per page rather than one per event.
 */
export async function* readStreamPages(store: EventStore, streamId: string, pageSize = 5000): AsyncGenerator<readonly EventEnvelope[]> {
  let expected = 1;
  let lastSeq = 0;
  for (;;) {
    const page = await store.readStream(streamId, expected - 1, pageSize);
    for (const env of page) {
      if (env.streamSeq !== expected) throw new EventStreamGapError(streamId, expected, env.streamSeq);
      if (env.seq <= lastSeq) throw new EventStreamGapError(streamId, lastSeq + 1, env.seq);
      lastSeq = env.seq;
      expected++;
    }
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
  }
}

/** The same, one event at a time. */
export async function* readStreamChecked(store: EventStore, streamId: string, pageSize = 5000): AsyncGenerator<EventEnvelope> {
  for await (const page of readStreamPages(store, streamId, pageSize)) yield* page;
}
