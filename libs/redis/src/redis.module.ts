import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { OperationObserver } from '@lib/kernel';
import { RedisConnection } from './connection/redis-connection.js';
import { FEATURE_CACHE, NO_FEATURE_CACHE, RedisFeatureCache, type FeatureCache } from './features/feature-cache.js';
import { RedisSessionStateStore } from './session/redis-session-state-store.js';
import { InMemorySessionStateStore, SESSION_STATE_STORE, type SessionStateStore } from './session/session-state.js';
import { SessionStateRecorder } from './session/session-state.recorder.js';
import { NoOpSignalPublisher, RedisSignalPublisher, SIGNAL_PUBLISHER, createSignalClient, type SignalPublisher } from './signals/signal-publisher.js';
import { SignalPublisherRecorder } from './signals/signal-publisher.recorder.js';

/** config.redis, as the module takes it. */
export interface RedisConfig {
  readonly url: string | null;
  readonly keyPrefix: string;
  readonly featureTtlSeconds: number;
  readonly maxPendingWrites: number;
}

export interface RedisModuleOptions {
  /** Latency and errors of every Redis command (operation = command name). */
  readonly observer?: OperationObserver;
  /** Also subscribe the recorders to this context's MessageBus (only in a context with a kernel). */
  readonly recorders?: boolean;
  /** Longest wait for the outbox at shutdown, ms (default 5000). */
  readonly shutdownTimeoutMs?: number;
}

/**
 * `up`: configured and connected. `degraded`: configured but unreachable; the trader keeps trading
 * from memory and writes wait in the outbox. `disabled`: no REDIS_URL (embedded default).
 */
export interface RedisReadinessView {
  readonly status: 'up' | 'degraded' | 'disabled';
  readonly pendingWrites: number;
  readonly lastError: string | null;
  /** Epoch ms of the last up/down change (null when disabled). */
  readonly since: number | null;
  /** Last PING round trip, seconds. */
  readonly pingSeconds: number | null;
  readonly signalsPublished: number;
  readonly signalsDropped: number;
}

/** Everything the module builds, for the per-run contexts (`RedisModule.forRun`) and readiness. */
export class RedisServices {
  private readonly logger = new Logger('RedisModule');

  constructor(
    readonly connection: RedisConnection | null,
    readonly sessionState: SessionStateStore,
    readonly featureCache: FeatureCache,
    readonly signals: SignalPublisher,
  ) {}

  /** In-memory state, cache always missing, signals not sent: what runs without REDIS_URL. */
  static disabled(): RedisServices {
    return new RedisServices(null, new InMemorySessionStateStore(), NO_FEATURE_CACHE, new NoOpSignalPublisher());
  }

  static fromConfig(config: RedisConfig, observer?: OperationObserver): RedisServices {
    if (config.url === null) return RedisServices.disabled();
    const connection = new RedisConnection({ url: config.url, ...(observer ? { observer } : {}) });
    const signals = new RedisSignalPublisher(createSignalClient(config.url), connection);
    return new RedisServices(
      connection,
      new RedisSessionStateStore(connection, { keyPrefix: config.keyPrefix, maxPendingWrites: config.maxPendingWrites }),
      new RedisFeatureCache(connection, { keyPrefix: config.keyPrefix, ttlSeconds: config.featureTtlSeconds }),
      signals,
    );
  }

  async start(): Promise<void> {
    if (this.connection === null) return;
    await this.connection.connect();
    if (this.signals instanceof RedisSignalPublisher) this.signals.start();
  }

  readiness(): RedisReadinessView {
    const signals = this.signals.stats;
    if (this.connection === null) {
      return { status: 'disabled', pendingWrites: 0, lastError: null, since: null, pingSeconds: null, signalsPublished: 0, signalsDropped: 0 };
    }
    const link = this.connection.status;
    return {
      status: link.state === 'up' ? 'up' : 'degraded',
      pendingWrites: this.sessionState.pendingWrites(),
      lastError: link.lastError,
      since: link.since,
      pingSeconds: this.connection.pingSeconds,
      signalsPublished: signals.published,
      signalsDropped: signals.dropped,
    };
  }

  /** Flushes the outbox (bounded), then closes the signal client and the connection. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    const started = Date.now();
    await this.sessionState.close(timeoutMs);
    await this.signals.close();
    if (this.connection !== null) await this.connection.close(Math.max(100, timeoutMs - (Date.now() - started)));
    this.logger.log('Redis connections closed');
  }
}

/** The readiness view as a provider: `inject: [REDIS_READINESS]` gives `{ view() }`. */
export interface RedisReadiness {
  view(): RedisReadinessView;
}
export const REDIS_READINESS = Symbol('REDIS_READINESS');
const REDIS_OPTIONS = Symbol('REDIS_MODULE_OPTIONS');

/** Connects at init, flushes and closes at shutdown: only in the context that owns the services. */
@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly services: RedisServices,
    @Inject(REDIS_OPTIONS) private readonly options: RedisModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.services.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.services.shutdown(this.options.shutdownTimeoutMs ?? 5000);
  }
}

const RECORDERS: Provider[] = [SessionStateRecorder, SignalPublisherRecorder];

function serviceProviders(servicesProvider: Provider): Provider[] {
  return [
    servicesProvider,
    { provide: SESSION_STATE_STORE, useFactory: (s: RedisServices) => s.sessionState, inject: [RedisServices] },
    { provide: FEATURE_CACHE, useFactory: (s: RedisServices) => s.featureCache, inject: [RedisServices] },
    { provide: SIGNAL_PUBLISHER, useFactory: (s: RedisServices) => s.signals, inject: [RedisServices] },
    { provide: REDIS_READINESS, useFactory: (s: RedisServices): RedisReadiness => ({ view: () => s.readiness() }), inject: [RedisServices] },
  ];
}

const EXPORTS = [RedisServices, SESSION_STATE_STORE, FEATURE_CACHE, SIGNAL_PUBLISHER, REDIS_READINESS];

/**
 * Redis for the trader: session state (write-behind), feature cache, signal fan-out, readiness.
 * With `url: null` everything is in-process (status `disabled`). Providers are global.
 */
@Global()
@Module({})
export class RedisModule {
  /** Owns the connections: connects at init, flushes and quits at shutdown. */
  static forRoot(config: RedisConfig, options: RedisModuleOptions = {}): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        ...serviceProviders({ provide: RedisServices, useFactory: () => RedisServices.fromConfig(config, options.observer) }),
        { provide: REDIS_OPTIONS, useValue: options },
        RedisLifecycle,
        ...(options.recorders ? RECORDERS : []),
      ],
      exports: EXPORTS,
    };
  }

  /**
   * For a per-run kernel context: the services of the root context (not closed with the run), and
   * the recorders on this context's MessageBus.
   */
  static forRun(services: RedisServices): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [...serviceProviders({ provide: RedisServices, useValue: services }), ...RECORDERS],
      exports: EXPORTS,
    };
  }
}
