import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EVENT_STORE, RUN_REPOSITORY, readStreamChecked, type EventStore, type RunRecord, type RunRepository } from '@lib/kernel';
import { Order, OrderInitializedEvent, defaultEventRegistry, type JsonValue, type OrderEvent } from '@lib/model';

export interface RunListItem {
  runId: string;
  mode: string;
  strategy: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface OrderView {
  clientOrderId: string;
  instrumentId: string;
  side: string;
  type: string;
  quantity: string;
  filledQty: string;
  avgPx: string | null;
  status: string;
  reduceOnly: boolean;
  venueOrderId: string | null;
  tsInit: number;
  tsLast: number;
}

/** Read side of the admin API: runs, their summaries and final positions, and what their event streams say. */
@Injectable()
export class RunQueriesService {
  private readonly registry = defaultEventRegistry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
  ) {}

  async list(limit: number, offset: number): Promise<RunListItem[]> {
    const records = await this.runs.list(limit, offset);
    return records.map((r) => ({
      runId: r.runId,
      mode: r.mode,
      strategy: r.strategy,
      status: r.status,
      startedAt: new Date(r.startedAt).toISOString(),
      finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
      error: r.error,
    }));
  }

  async get(runId: string): Promise<RunRecord> {
    const record = await this.runs.get(runId);
    if (!record) throw new NotFoundException(`no run '${runId}'`);
    return record;
  }

  async positions(runId: string): Promise<JsonValue> {
    const record = await this.get(runId);
    if (record.finalState === null) throw new NotFoundException(`run '${runId}' has no final state yet (status ${record.status})`);
    const state = JSON.parse(record.finalState) as { positions?: JsonValue };
    return state.positions ?? [];
  }

  /** Orders rebuilt from the stream through the same transition table the engine uses. */
  async orders(runId: string, limit: number, offset: number): Promise<OrderView[]> {
    await this.get(runId);
    const orders = new Map<string, Order>();
    for await (const env of readStreamChecked(this.store, runId)) {
      if (!env.type.startsWith('order.')) continue;
      const event = this.registry.decode(env.type, env.version, env.payload) as OrderEvent;
      if (event instanceof OrderInitializedEvent) orders.set(event.clientOrderId, Order.initialize(event));
      else orders.get(event.clientOrderId)?.apply(event);
    }
    return [...orders.values()].slice(offset, offset + limit).map((o) => ({
      clientOrderId: o.clientOrderId,
      instrumentId: o.instrumentId,
      side: o.side,
      type: o.orderType,
      quantity: o.quantity.toString(),
      filledQty: o.filledQty.toString(),
      avgPx: o.avgPx(9)?.toString() ?? null,
      status: o.status,
      reduceOnly: o.reduceOnly,
      venueOrderId: o.venueOrderId,
      tsInit: o.init.tsEvent,
      tsLast: o.tsLast,
    }));
  }

  async events(runId: string, after: number, limit: number) {
    await this.get(runId);
    const page = await this.store.readStream(runId, after, limit);
    return {
      runId,
      events: page.map((e) => ({ ...e, payload: JSON.parse(e.payload) as JsonValue })),
      next: page.length === limit ? page[page.length - 1]!.streamSeq : null,
    };
  }

  /**
   * The decision records of a run (`sizing.decided`), optionally of one instrument, paged by
   * stream position: what the signal was, the regime, the tier, raw and final size, and every cut.
   */
  async decisions(runId: string, after: number, limit: number, instrument?: string) {
    return this.eventsOfType(runId, ['sizing.decided'], after, limit, instrument);
  }

  /** Circuit-breaker transitions of a run, in order. */
  async breakerTransitions(runId: string) {
    return (await this.eventsOfType(runId, ['risk.breaker_transitioned'], 0, 10_000)).events;
  }

  private async eventsOfType(runId: string, types: readonly string[], after: number, limit: number, instrument?: string) {
    await this.get(runId);
    const wanted = new Set(types);
    const out: Array<{ streamSeq: number; type: string; tsEvent: number; payload: JsonValue }> = [];
    let cursor = after;
    const pageSize = 5000;
    for (;;) {
      const page = await this.store.readStream(runId, cursor, pageSize);
      for (const e of page) {
        if (!wanted.has(e.type)) continue;
        const payload = JSON.parse(e.payload) as { instrumentId?: string } & JsonValue;
        if (instrument !== undefined && payload.instrumentId !== instrument) continue;
        out.push({ streamSeq: e.streamSeq, type: e.type, tsEvent: e.tsEvent, payload });
        if (out.length === limit) return { runId, events: out, next: e.streamSeq };
      }
      if (page.length < pageSize) return { runId, events: out, next: null };
      cursor = page[page.length - 1]!.streamSeq;
    }
  }
}
