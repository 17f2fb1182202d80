import { Logger } from '@nestjs/common';
import { ClientRedis, type ClientProxy } from '@nestjs/microservices';
import type { RedisConnection } from '../connection/redis-connection.js';
import { connectionOptionsOf, parseRedisUrl } from '../connection/redis-url.js';

/**
 * The one event pattern every signal is emitted on. A single pattern (instead of one per instrument)
 * lets a consumer take all signals with one `@EventPattern(SIGNALS_PATTERN)` handler on the plain
 * Redis transport (no `wildcards` option needed) and filter on `instrumentId` in the payload; the
 * channel is not prefixed with keyPrefix because it is a contract with other services, not a key.
 */
export const SIGNALS_PATTERN = 'trade-matrix.signals';

/** What other services receive for every sizing decision (wire version 1). */
export interface SignalMessage {
  readonly v: 1;
  /** The run or session the decision belongs to. */
  readonly streamId: string;
  readonly instrumentId: string;
  readonly strategyId: string;
  /** Bar close time the decision was taken at (epoch ms). */
  readonly tsEvent: number;
  /** Model prediction (null for a strategy without a model). */
  readonly prediction: number | null;
  readonly signal: number;
  readonly confidence: number;
  /** Sizing tier (FULL_RL, BLENDED, PURE_KELLY, EMERGENCY_FLAT). */
  readonly tier: string;
  readonly regime: string;
  /** Target position as a signed fraction of equity, after every cut. */
  readonly targetFraction: number;
}

/**
 * Fans signals out to other consumers. `publish` never blocks and never throws: while Redis is down
 * (or more than `maxInFlight` emits are unanswered) a signal is dropped and counted. Signals are
 * not buffered on purpose: a consumer acting on a signal from minutes ago is worse off than one that
 * sees the gap (the drop counter and the readiness view tell it there was one); the decision itself
 * is in the event store.
 */
export interface SignalPublisher {
  publish(message: SignalMessage): void;
  readonly stats: SignalPublisherStats;
  /** Reports each signal's outcome (metrics); one listener, replaced by a later call. */
  onOutcome(listener: SignalOutcomeListener): void;
  close(): Promise<void>;
}

export type SignalOutcome = 'published' | 'failed' | 'dropped';
export type SignalOutcomeListener = (instrumentId: string, outcome: SignalOutcome) => void;

export interface SignalPublisherStats {
  readonly published: number;
  readonly dropped: number;
  readonly inFlight: number;
}

export const SIGNAL_PUBLISHER = Symbol('SIGNAL_PUBLISHER');

/** The publisher of the embedded default (no Redis): counts what it was given, sends nothing. */
export class NoOpSignalPublisher implements SignalPublisher {
  private seen = 0;
  publish(): void {
    this.seen++;
  }
  onOutcome(): void {
    // nothing is ever sent, so there is no outcome to report
  }
  get stats(): SignalPublisherStats {
    return { published: 0, dropped: this.seen, inFlight: 0 };
  }
  async close(): Promise<void> {}
}

/**
 * The Nest REDIS transport client with ioredis set up like RedisConnection: no offline queue, fail
 * fast, reconnect forever. Its per-retry error logging is turned down to debug: RedisConnection
 * already reports the outage once, at warn.
 */
class SignalClientRedis extends ClientRedis {
  override registerErrorListener(client: { on(event: 'error', fn: (err: Error) => void): void }): void {
    client.on('error', (err: Error) => this.logger.debug(`signal client: ${err.message}`));
  }
}

/** A ClientProxy on the Nest REDIS transport for `url` (host/port/password/db taken from it). */
export function createSignalClient(url: string): ClientRedis {
  const endpoint = parseRedisUrl(url);
  return new SignalClientRedis({
    ...connectionOptionsOf(endpoint),
    retryAttempts: Number.MAX_SAFE_INTEGER,
    retryDelay: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    connectionName: 'trade-matrix-signals',
  });
}

/** What the publisher uses of a ClientProxy (any transport's client fits). */
export type SignalClient = Pick<ClientProxy, 'connect' | 'close' | 'emit'>;

export interface RedisSignalPublisherOptions {
  /** Emits awaiting Redis before further signals are dropped (default 1000). */
  readonly maxInFlight?: number;
}

export class RedisSignalPublisher implements SignalPublisher {
  private readonly logger = new Logger('SignalPublisher');
  private readonly maxInFlight: number;
  private published = 0;
  private dropped = 0;
  private inFlight = 0;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private outcome: SignalOutcomeListener = () => undefined;

  constructor(
    private readonly client: SignalClient,
    /** The shared connection's status decides whether an emit is even tried. */
    private readonly connection: RedisConnection,
    options: RedisSignalPublisherOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 1000;
  }

  /** Connects the transport client in the background (a failure only means drops until it is up). */
  start(): void {
    this.connecting ??= this.client.connect().then(
      () => undefined,
      () => undefined,
    );
  }

  get stats(): SignalPublisherStats {
    return { published: this.published, dropped: this.dropped, inFlight: this.inFlight };
  }

  onOutcome(listener: SignalOutcomeListener): void {
    this.outcome = listener;
  }

  publish(message: SignalMessage): void {
    if (this.closed || !this.connection.isUp || this.inFlight >= this.maxInFlight) {
      this.drop();
      this.report(message, 'dropped');
      return;
    }
    this.inFlight++;
    this.client.emit(SIGNALS_PATTERN, message).subscribe({
      complete: () => {
        this.inFlight--;
        this.published++;
        this.report(message, 'published');
      },
      error: (err: unknown) => {
        this.inFlight--;
        this.drop(err);
        this.report(message, 'failed');
      },
    });
  }

  private report(message: SignalMessage, outcome: SignalOutcome): void {
    try {
      this.outcome(message.instrumentId, outcome);
    } catch {
      // a metrics listener never breaks publishing
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.client.close();
    } catch (err) {
      this.logger.warn(`signal client did not close cleanly: ${(err as Error).message}`);
    }
  }

  private drop(err?: unknown): void {
    // The first drop of each thousand is logged: enough to see it, not enough to flood the log.
    if (this.dropped++ % 1000 === 0) {
      const why = err instanceof Error ? err.message : this.connection.isUp ? 'too many emits in flight' : 'Redis is down';
      this.logger.warn(`signal dropped (${this.dropped} so far): ${why}`);
    }
  }
}

/** A decimal string of an event as a number for the wire (null stays null). */
export function toNumber(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}
