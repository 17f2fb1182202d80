import { Logger } from '@nestjs/common';
import { BREAKER_STATE_NAMES, BREAKER_TRIGGERS } from '@lib/model';

export type BreakerStateName = (typeof BREAKER_STATE_NAMES)[number];
export type BreakerTriggerName = (typeof BREAKER_TRIGGERS)[number];

/**
 * The circuit breaker of one stream as of its last transition. Figures are decimal strings exactly
 * as in BreakerTransitionedEvent. `peak` is the reference of the last transition measured from the
 * peak (CLOSED↔OPEN, RECOVERY rebases it to the half-open base); `halfOpenBase` is the equity at the
 * move to HALF_OPEN. Between transitions the breaker moves its peak with equity: that is not
 * recorded here, the breaker re-derives it from the next marks.
 */
export interface BreakerSessionState {
  readonly state: BreakerStateName;
  /** Transitions into OPEN seen on this stream. */
  readonly tripCount: number;
  /** tsEvent of the last transition (epoch ms). */
  readonly since: number;
  readonly lastTrigger: BreakerTriggerName;
  readonly reason: string;
  readonly peak: string | null;
  readonly halfOpenBase: string | null;
  readonly tradingState: string;
  readonly sizeMultiplier: string;
}

/** What the trader needs after a restart to carry on a stream (a run or a live session). */
export interface SessionState {
  readonly streamId: string;
  /** Close time (tsEvent) of the last processed bar per instrument. */
  readonly lastBarTs: Readonly<Record<string, number>>;
  readonly breaker: BreakerSessionState | null;
}

export interface LoadedSessionState {
  readonly state: SessionState;
  /** `redis`: read from Redis (merged with newer in-process writes); `memory`: Redis was unavailable or not configured. */
  readonly source: 'redis' | 'memory';
}

/**
 * Session state with write-behind persistence. Writes apply to the in-process copy at once (the
 * trader keeps trading from its own state) and never throw; persisting them is the store's business.
 */
export interface SessionStateStore {
  recordBar(streamId: string, instrumentId: string, tsEvent: number): void;
  recordBreaker(streamId: string, breaker: BreakerSessionState): void;
  /** The in-process copy of a stream (empty state when unknown). */
  current(streamId: string): SessionState;
  /** Start-up read: from Redis when it answers, else the in-process copy. Never rejects. */
  load(streamId: string): Promise<LoadedSessionState>;
  /** Writes not yet confirmed by Redis (0 for the in-memory store). */
  pendingWrites(): number;
  /** Tries to write everything pending within `timeoutMs`; true when nothing is left. */
  flush(timeoutMs?: number): Promise<boolean>;
  close(timeoutMs?: number): Promise<void>;
}

export const SESSION_STATE_STORE = Symbol('SESSION_STATE_STORE');

/** Field names inside a session hash: one per instrument bar, one for the breaker. */
export const BAR_FIELD_PREFIX = 'bar:';
export const BREAKER_FIELD = 'breaker';

/** Builds a SessionState from hash fields; a field that does not decode is skipped with a warning. */
export function decodeSessionState(streamId: string, fields: ReadonlyMap<string, string> | Readonly<Record<string, string>>, logger?: Logger): SessionState {
  const entries = fields instanceof Map ? [...fields.entries()] : Object.entries(fields);
  const lastBarTs: Record<string, number> = {};
  let breaker: BreakerSessionState | null = null;
  for (const [field, value] of entries) {
    if (field.startsWith(BAR_FIELD_PREFIX)) {
      const ts = Number(value);
      if (Number.isSafeInteger(ts)) lastBarTs[field.slice(BAR_FIELD_PREFIX.length)] = ts;
      else logger?.warn(`session ${streamId}: ignoring ${field}='${value}' (not an epoch ms)`);
    } else if (field === BREAKER_FIELD) {
      breaker = decodeBreaker(value);
      if (breaker === null) logger?.warn(`session ${streamId}: ignoring an undecodable breaker state`);
    }
  }
  return { streamId, lastBarTs, breaker };
}

function decodeBreaker(text: string): BreakerSessionState | null {
  try {
    const v = JSON.parse(text) as Partial<BreakerSessionState>;
    if (!BREAKER_STATE_NAMES.includes(v.state as BreakerStateName)) return null;
    if (typeof v.tripCount !== 'number' || typeof v.since !== 'number') return null;
    return v as BreakerSessionState;
  } catch {
    return null;
  }
}

/**
 * The in-process copy every store keeps: hash fields per stream, as they are (or will be) in Redis.
 * Doubles as the store of the embedded default (no Redis).
 */
export class SessionStateCopy {
  private readonly streams = new Map<string, Map<string, string>>();

  set(streamId: string, field: string, value: string): void {
    let fields = this.streams.get(streamId);
    if (!fields) this.streams.set(streamId, (fields = new Map()));
    fields.set(field, value);
  }
  get(streamId: string, field: string): string | undefined {
    return this.streams.get(streamId)?.get(field);
  }
  fields(streamId: string): ReadonlyMap<string, string> {
    return this.streams.get(streamId) ?? new Map();
  }
  streamIds(): string[] {
    return [...this.streams.keys()];
  }
  has(streamId: string): boolean {
    return this.streams.has(streamId);
  }
}

/** Session state kept in process only: the embedded default when no REDIS_URL is set. */
export class InMemorySessionStateStore implements SessionStateStore {
  protected readonly copy = new SessionStateCopy();
  protected readonly logger = new Logger('SessionStateStore');

  recordBar(streamId: string, instrumentId: string, tsEvent: number): void {
    this.write(streamId, `${BAR_FIELD_PREFIX}${instrumentId}`, String(tsEvent));
  }
  recordBreaker(streamId: string, breaker: BreakerSessionState): void {
    this.write(streamId, BREAKER_FIELD, JSON.stringify(breaker));
  }
  current(streamId: string): SessionState {
    return decodeSessionState(streamId, this.copy.fields(streamId), this.logger);
  }
  async load(streamId: string): Promise<LoadedSessionState> {
    return { state: this.current(streamId), source: 'memory' };
  }
  pendingWrites(): number {
    return 0;
  }
  async flush(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}

  protected write(streamId: string, field: string, value: string): void {
    this.copy.set(streamId, field, value);
  }
}
