import { Logger } from '@nestjs/common';
import { Redis, type Command, type RedisOptions } from 'ioredis';
import { NO_OP_OBSERVER, type OperationObserver } from '@lib/kernel';
import { connectionOptionsOf, parseRedisUrl, redactRedisUrl } from './redis-url.js';

export type RedisLinkState = 'up' | 'down';

export interface RedisLinkStatus {
  readonly state: RedisLinkState;
  /** Epoch ms of the last change (or of construction). */
  readonly since: number;
  /** Why the link went down (null while up, or before the first attempt). */
  readonly lastError: string | null;
}

export interface RedisConnectionOptions {
  readonly url: string;
  readonly observer?: OperationObserver;
  /** Longest wait between reconnect attempts, ms (default 2000). Attempts never stop. */
  readonly maxRetryDelayMs?: number;
  /** A command not answered within this is failed, ms (default 1000): a hung Redis must not hang trading. */
  readonly commandTimeoutMs?: number;
  /** Longest wait for a TCP connect, ms (default 2000). */
  readonly connectTimeoutMs?: number;
  /** PING every this many ms while up, for the latency gauge and to notice a silent link (default 5000; 0: off). */
  readonly heartbeatMs?: number;
  /** Shown in logs and in CLIENT LIST (default 'trade-matrix'). */
  readonly name?: string;
}

/** Backoff of the reconnect loop: 50 ms doubling up to `max`, and never giving up (null would end the client). */
export function reconnectDelay(attempt: number, max: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 16), max);
}

/**
 * One ioredis client built from REDIS_URL, with the failure behaviour trading needs: no offline queue
 * and one retry per request, so while Redis is down a command fails at once instead of waiting for the
 * link; reconnects forever with bounded backoff. Tracks `up`/`down` and tells listeners on change.
 * Every command (pipelined ones included) is reported to the OperationObserver under its command name.
 */
export class RedisConnection {
  readonly client: Redis;
  /** The URL as it may be logged (password masked). */
  readonly displayUrl: string;
  private readonly logger: Logger;
  private readonly observer: OperationObserver;
  private readonly listeners = new Set<(status: RedisLinkStatus) => void>();
  private current: RedisLinkStatus = { state: 'down', since: Date.now(), lastError: null };
  private heartbeat: NodeJS.Timeout | null = null;
  private lastPing: number | null = null;
  private closing = false;

  constructor(private readonly options: RedisConnectionOptions) {
    const endpoint = parseRedisUrl(options.url);
    this.displayUrl = redactRedisUrl(options.url);
    this.observer = options.observer ?? NO_OP_OBSERVER;
    this.logger = new Logger(`RedisConnection(${options.name ?? 'trade-matrix'})`);
    const maxDelay = options.maxRetryDelayMs ?? 2000;
    const redisOptions: RedisOptions = {
      ...connectionOptionsOf(endpoint),
      connectionName: options.name ?? 'trade-matrix',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      // ioredis arms this timer on disconnect even for a socket that is already closed; a short one
      // lets a process that gave up on Redis exit promptly.
      disconnectTimeout: 500,
      retryStrategy: (attempt) => reconnectDelay(attempt, maxDelay),
    };
    this.client = new Redis(redisOptions);
    this.observeCommands();
    this.client.on('ready', () => this.setState('up', null));
    // Without an 'error' listener ioredis prints every failed reconnect to stderr.
    this.client.on('error', (err: Error) => this.setState('down', err.message));
    this.client.on('close', () => this.setState('down', this.current.lastError ?? 'connection closed'));
    this.client.on('end', () => this.setState('down', this.current.lastError ?? 'connection ended'));
  }

  /** Starts connecting; resolves when up or after the first failure (retries go on in the background). */
  async connect(): Promise<void> {
    if (this.client.status !== 'wait') return;
    try {
      await this.client.connect();
    } catch {
      // Already recorded by the 'error' listener; the retry strategy keeps trying.
    }
    const every = this.options.heartbeatMs ?? 5000;
    if (every > 0 && this.heartbeat === null) {
      this.heartbeat = setInterval(() => {
        if (this.isUp) void this.ping().catch(() => undefined);
      }, every);
      this.heartbeat.unref();
    }
  }

  get status(): RedisLinkStatus {
    return this.current;
  }
  get isUp(): boolean {
    return this.current.state === 'up';
  }
  /** Round trip of the last successful PING, seconds (null before the first). */
  get pingSeconds(): number | null {
    return this.lastPing;
  }

  /** Calls `listener` on every up/down change; returns the unsubscribe function. */
  onStatus(listener: (status: RedisLinkStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** PING round trip in seconds; rejects while down. */
  async ping(): Promise<number> {
    const start = process.hrtime.bigint();
    await this.client.ping();
    this.lastPing = Number(process.hrtime.bigint() - start) / 1e9;
    return this.lastPing;
  }

  /** QUIT within `timeoutMs`, else drops the socket. Reconnecting stops. */
  async close(timeoutMs = 1000): Promise<void> {
    this.closing = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.client.status === 'end' || this.client.status === 'wait') {
      this.client.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const quit = this.client.status === 'ready' ? this.client.quit().then(() => undefined) : Promise.reject(new Error('not ready'));
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error('QUIT timed out')), timeoutMs);
    });
    try {
      await Promise.race([quit, timeout]);
    } catch {
      this.client.disconnect();
    } finally {
      clearTimeout(timer);
    }
  }

  private observeCommands(): void {
    const send = this.client.sendCommand.bind(this.client);
    this.client.sendCommand = ((command: Command, stream?: Parameters<Redis['sendCommand']>[1]) => {
      const start = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
      const operation = command.name.toUpperCase();
      command.promise.then(
        () => this.observer.observe(operation, seconds()),
        (err: unknown) => this.observer.observe(operation, seconds(), err),
      );
      return send(command, stream);
    }) as Redis['sendCommand'];
  }

  private setState(state: RedisLinkState, error: string | null): void {
    if (state === 'down' && error !== null && this.current.state === 'down') {
      this.current = { ...this.current, lastError: error };
      return;
    }
    if (state === this.current.state) return;
    this.current = { state, since: Date.now(), lastError: state === 'up' ? null : error };
    if (state === 'up') this.logger.log(`Redis up at ${this.displayUrl}`);
    else if (!this.closing) this.logger.warn(`Redis down at ${this.displayUrl}: ${error ?? 'unknown error'}; retrying in the background`);
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch (err) {
        this.logger.error(`status listener failed: ${(err as Error).message}`);
      }
    }
  }
}
