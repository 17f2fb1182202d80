import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus, EventBus, type IEventPublisher } from '@nestjs/cqrs';
import { Subject, type Observable } from 'rxjs';
import type { DomainEvent } from '@lib/model';
import type { EventEnvelope } from '../store/event-envelope.js';
import { EVENT_STORE, type EventStore } from '../store/event-store.port.js';

/**
 * Handler stages on the trading path. Within one event, handlers run by stage, then by name:
 * the order never depends on module initialisation order.
 */
export const Stage = {
  CACHE: 10,
  EXECUTION: 20,
  PORTFOLIO: 30,
  /** Market analytics the risk layer and strategies read at the same bar: regimes, risk models. */
  ANALYTICS: 35,
  RISK: 40,
  STRATEGY: 50,
  RECORDER: 80,
} as const;

export type TradingEventHandler<E extends DomainEvent> = (event: E, envelope: EventEnvelope) => void;
/** An event class (its wire name is the static `type`). */
export type EventType = (abstract new (...args: never[]) => DomainEvent) & { readonly type: string };
export type Saga = (events$: Observable<DomainEvent>) => Observable<object>;

interface Subscription {
  readonly stage: number;
  readonly name: string;
  readonly fn: TradingEventHandler<DomainEvent>;
}

export class BusError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusError';
  }
}

export const BUS_OPTIONS = Symbol('BUS_OPTIONS');
export interface BusOptions {
  /** Events buffered before `checkpoint()` writes them to the store in one batch. */
  readonly batchSize: number;
}

/**
 * The ordered message bus of the trading path (NautilusTrader's MessageBus on @nestjs/cqrs).
 *
 * - `publish` stamps every event with a global `seq`, stream position, deterministic event id,
 *   correlation and causation ids, and buffers it for the store, all before any handler runs.
 * - Trading handlers run synchronously, one event at a time in seq order (FIFO): an event
 *   published by a handler is dispatched after the current event's handlers have finished.
 * - A handler or saga that throws stops the dispatch and the error reaches the caller of
 *   `publish`: nothing is swallowed.
 * - Sagas see the same ordered stream; the commands they return go through the CQRS CommandBus.
 * - After the trading path, events are forwarded to the CQRS EventBus for observers
 *   (@EventsHandler: metrics, logging), whose failures are logged, never fatal.
 *
 * It is installed as the CQRS EventBus publisher, so `EventBus.publish` takes the same path.
 */
@Injectable()
export class MessageBus implements IEventPublisher<DomainEvent>, OnModuleInit {
  private readonly logger = new Logger(MessageBus.name);
  private readonly handlers = new Map<string, Subscription[]>();
  private readonly sagaStream = new Subject<DomainEvent>();
  private readonly queue: Array<[DomainEvent, EventEnvelope]> = [];
  private queueHead = 0;
  private draining = false;
  private current: EventEnvelope | null = null;
  private sagaError: unknown = null;
  private buffer: EventEnvelope[] = [];
  private inflight: Array<Promise<unknown>> = [];
  private asyncFaults: unknown[] = [];
  private streamId: string | null = null;
  private prefix = '';
  private seq = 0;
  private streamSeq = 0;
  private published = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commandBus: CommandBus,
    private readonly eventBus: EventBus,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
  ) {}

  onModuleInit(): void {
    this.eventBus.publisher = this as unknown as IEventPublisher;
  }

  /** The CQRS EventBus stream that @EventsHandler observers subscribe to. */
  private get observers() {
    return this.eventBus.subject$;
  }

  /** Starts writing to a stream (one run). Continues the global seq and the stream's own position. */
  async openStream(streamId: string): Promise<void> {
    if (this.buffer.length > 0) await this.flush();
    const seq = await this.store.lastSeq();
    const streamSeq = await this.store.lastStreamSeq(streamId);
    // The stream opens only once its positions are known: a publish that slips in while the store
    // answers (an operator action over HTTP, say) must not take positions the run will reuse.
    this.streamId = streamId;
    this.prefix = streamPrefix(streamId);
    this.seq = seq;
    this.streamSeq = streamSeq;
  }

  get currentStream(): string | null {
    return this.streamId;
  }
  /** True while handlers of an event are running (a publish now is queued behind them). */
  get isDispatching(): boolean {
    return this.draining;
  }

  get publishedCount(): number {
    return this.published;
  }
  get pendingWrites(): number {
    return this.buffer.length;
  }

  subscribe<C extends EventType>(cls: C, stage: number, name: string, fn: TradingEventHandler<InstanceType<C>>): void {
    const list = this.handlers.get(cls.type) ?? [];
    if (list.some((s) => s.name === name)) throw new BusError('BUS.DUPLICATE_HANDLER', `handler '${name}' already subscribed to ${cls.type}`);
    list.push({ stage, name, fn: fn as TradingEventHandler<DomainEvent> });
    list.sort((a, b) => a.stage - b.stage || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.handlers.set(cls.type, list);
  }

  registerSaga(name: string, saga: Saga): void {
    saga(this.sagaStream.asObservable()).subscribe({
      next: (command) => this.send(command),
      error: (err: unknown) => {
        this.sagaError = new BusError('BUS.SAGA_FAILED', `saga '${name}' failed: ${(err as Error).message}`, { cause: err });
      },
    });
  }

  /** Stamps, buffers and dispatches an event. Returns its envelope (seq already assigned). */
  publish<E extends DomainEvent>(event: E): EventEnvelope {
    if (this.streamId === null) throw new BusError('BUS.NO_STREAM', `cannot publish ${event.type}: no stream is open`);
    const streamSeq = ++this.streamSeq;
    const eventId = eventIdFromPrefix(this.prefix, streamSeq);
    const envelope: EventEnvelope = {
      seq: ++this.seq,
      eventId,
      streamId: this.streamId,
      streamSeq,
      type: event.type,
      version: event.version,
      tsEvent: event.tsEvent,
      correlationId: this.current?.correlationId ?? eventId,
      causationId: this.current?.eventId ?? null,
      payload: JSON.stringify(event.toPayload()),
    };
    this.buffer.push(envelope);
    this.published++;
    this.queue.push([event, envelope]);
    if (!this.draining) this.drain();
    return envelope;
  }

  publishAll<E extends DomainEvent>(events: E[]): EventEnvelope[] {
    return events.map((e) => this.publish(e));
  }

  /**
   * Executes a command through the CQRS CommandBus. Trading-path handlers are synchronous, so
   * their effects (and any error they throw) happen here; asynchronous handlers (a real venue)
   * are tracked and their failures surface at the next checkpoint.
   */
  send(command: object): void {
    const result: unknown = this.commandBus.execute(command);
    if (result instanceof Promise) this.track(result);
  }

  /**
   * Tracks asynchronous work started by a handler (model inference on onnxruntime's threads).
   * Drivers `settle()` before the next input, so results land in a deterministic order.
   */
  track(work: Promise<unknown>): void {
    this.inflight.push(
      work.catch((err: unknown) => {
        this.asyncFaults.push(err);
      }),
    );
  }

  get hasInflight(): boolean {
    return this.inflight.length > 0;
  }

  /** Waits for tracked asynchronous work (which may publish more, and start more) and surfaces its failures. */
  async settle(): Promise<void> {
    while (this.inflight.length > 0) {
      const pending = this.inflight;
      this.inflight = [];
      await Promise.all(pending);
    }
    if (this.asyncFaults.length > 0) {
      const [first] = this.asyncFaults;
      this.asyncFaults = [];
      throw first instanceof Error ? first : new BusError('BUS.ASYNC_FAILED', String(first));
    }
  }

  /** Called by drivers between inputs: surfaces async faults and writes a full batch. */
  async checkpoint(): Promise<void> {
    await this.settle();
    if (this.buffer.length >= this.options.batchSize) await this.flush();
  }

  /** Writes every buffered event. On failure the batch stays buffered (nothing is lost) and the error is thrown. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.store.append(batch);
      } catch (err) {
        this.buffer = batch.concat(this.buffer);
        throw new BusError('BUS.STORE_UNAVAILABLE', `event store append failed (${batch.length} events kept in memory): ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.queueHead < this.queue.length) {
        const [event, envelope] = this.queue[this.queueHead++]!;
        this.current = envelope;
        const subs = this.handlers.get(envelope.type);
        if (subs) for (const sub of subs) sub.fn(event, envelope);
        this.sagaStream.next(event);
        if (this.sagaError !== null) {
          const err = this.sagaError;
          this.sagaError = null;
          throw err;
        }
        if (this.observers.observed) this.observers.next(event);
      }
    } catch (err) {
      this.logger.error(`trading path failed at seq ${this.current?.seq} (${this.current?.type}): ${(err as Error).message}`);
      throw err;
    } finally {
      this.queue.length = 0;
      this.queueHead = 0;
      this.current = null;
      this.draining = false;
    }
  }
}

/**
 * A UUID-shaped id derived from (stream, position): the same run input gives the same ids, and
 * ids of one stream sort by position (a stream prefix, then the position in hex), so the store's
 * unique index on event ids is appended to in order instead of being written all over.
 */
export function deterministicEventId(streamId: string, streamSeq: number): string {
  return eventIdFromPrefix(streamPrefix(streamId), streamSeq);
}

export function streamPrefix(streamId: string): string {
  const h = createHash('sha1').update(streamId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(12, 15)}`;
}

function eventIdFromPrefix(prefix: string, streamSeq: number): string {
  const hex = streamSeq.toString(16).padStart(16, '0');
  return `${prefix}-${hex.slice(0, 4)}-${hex.slice(4)}`;
}
