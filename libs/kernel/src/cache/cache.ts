import type { Bar, ClientOrderId, Instrument, InstrumentId, Order } from '@lib/model';

export class CacheError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'CacheError';
  }
}

/** Fixed-capacity history of the most recent bars of one instrument. */
class BarRing {
  private readonly items: Bar[] = [];
  private start = 0;
  constructor(private readonly capacity: number) {}
  push(bar: Bar): void {
    if (this.items.length < this.capacity) this.items.push(bar);
    else {
      this.items[this.start] = bar;
      this.start = (this.start + 1) % this.capacity;
    }
  }
  get length(): number {
    return this.items.length;
  }
  last(): Bar | undefined {
    if (this.items.length === 0) return undefined;
    return this.items[(this.start + this.items.length - 1) % this.items.length];
  }
  /** The last `count` bars, oldest first. */
  tail(count: number): Bar[] {
    const n = Math.min(count, this.items.length);
    const out: Bar[] = new Array<Bar>(n);
    for (let i = 0; i < n; i++) out[i] = this.items[(this.start + this.items.length - n + i) % this.items.length]!;
    return out;
  }
}

/**
 * In-process state shared by the engines (NautilusTrader's Cache): instruments, recent bars,
 * orders. The DataEngine writes a bar here before publishing it, so every handler of
 * `bar.closed` sees a cache that already holds that bar and nothing later.
 */
export class Cache {
  private readonly instrumentsById = new Map<InstrumentId, Instrument>();
  private readonly barsById = new Map<InstrumentId, BarRing>();
  private readonly ordersById = new Map<ClientOrderId, Order>();
  /** Orders not yet terminal, by instrument: what strategies and risk ask for on every bar. */
  private readonly workingByInstrument = new Map<InstrumentId, Map<ClientOrderId, Order>>();

  constructor(private readonly barCapacity = 2000) {}

  addInstrument(instrument: Instrument): void {
    this.instrumentsById.set(instrument.id, instrument);
  }
  instrument(id: InstrumentId): Instrument | undefined {
    return this.instrumentsById.get(id);
  }
  instrumentOrThrow(id: InstrumentId): Instrument {
    const found = this.instrumentsById.get(id);
    if (!found) throw new CacheError('CACHE.UNKNOWN_INSTRUMENT', `unknown instrument ${id}`);
    return found;
  }
  instruments(): Instrument[] {
    return [...this.instrumentsById.values()];
  }

  addBar(bar: Bar): void {
    let ring = this.barsById.get(bar.instrumentId);
    if (!ring) {
      ring = new BarRing(this.barCapacity);
      this.barsById.set(bar.instrumentId, ring);
    }
    ring.push(bar);
  }
  lastBar(id: InstrumentId): Bar | undefined {
    return this.barsById.get(id)?.last();
  }
  /** The most recent `count` bars, oldest first. */
  bars(id: InstrumentId, count: number): Bar[] {
    return this.barsById.get(id)?.tail(count) ?? [];
  }
  barCount(id: InstrumentId): number {
    return this.barsById.get(id)?.length ?? 0;
  }

  addOrder(order: Order): void {
    if (this.ordersById.has(order.clientOrderId)) {
      throw new CacheError('CACHE.DUPLICATE_ORDER', `order ${order.clientOrderId} already exists`);
    }
    this.ordersById.set(order.clientOrderId, order);
    this.orderUpdated(order);
  }

  /** Called by the execution engine after an order changed: keeps the working-order index true. */
  orderUpdated(order: Order): void {
    let working = this.workingByInstrument.get(order.instrumentId);
    if (order.isTerminal) {
      working?.delete(order.clientOrderId);
      return;
    }
    if (!working) {
      working = new Map();
      this.workingByInstrument.set(order.instrumentId, working);
    }
    working.set(order.clientOrderId, order);
  }
  order(id: ClientOrderId): Order | undefined {
    return this.ordersById.get(id);
  }
  orders(): Order[] {
    return [...this.ordersById.values()];
  }
  openOrders(instrumentId?: InstrumentId): Order[] {
    const out: Order[] = [];
    for (const o of this.ordersById.values()) if (o.isOpen && (!instrumentId || o.instrumentId === instrumentId)) out.push(o);
    return out;
  }
  /** Orders not yet terminal (including INITIALIZED ones still with risk), in submission order. */
  workingOrders(instrumentId?: InstrumentId): Order[] {
    if (instrumentId !== undefined) {
      const working = this.workingByInstrument.get(instrumentId);
      return working ? [...working.values()] : [];
    }
    const out: Order[] = [];
    for (const working of this.workingByInstrument.values()) out.push(...working.values());
    return out;
  }

  hasWorkingOrders(instrumentId: InstrumentId): boolean {
    return (this.workingByInstrument.get(instrumentId)?.size ?? 0) > 0;
  }
}
