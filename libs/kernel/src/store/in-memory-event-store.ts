import type { EventEnvelope } from './event-envelope.js';
import type { EventStore } from './event-store.port.js';

/** Test double with the same contract as the database stores (used by unit tests of engines). */
export class InMemoryEventStore implements EventStore {
  readonly events: EventEnvelope[] = [];
  private readonly keys = new Set<string>();

  async lastSeq(): Promise<number> {
    return this.events.at(-1)?.seq ?? 0;
  }
  async lastStreamSeq(streamId: string): Promise<number> {
    let last = 0;
    for (const e of this.events) if (e.streamId === streamId) last = e.streamSeq;
    return last;
  }
  async append(batch: readonly EventEnvelope[]): Promise<void> {
    const fresh = new Set<string>();
    for (const e of batch) {
      for (const key of [`s${e.seq}`, `e${e.eventId}`, `t${e.streamId}/${e.streamSeq}`]) {
        if (this.keys.has(key) || fresh.has(key)) throw new Error(`duplicate event key ${key}`);
        fresh.add(key);
      }
    }
    for (const k of fresh) this.keys.add(k);
    this.events.push(...batch);
  }
  async readStream(streamId: string, afterStreamSeq: number, limit: number): Promise<EventEnvelope[]> {
    return this.events.filter((e) => e.streamId === streamId && e.streamSeq > afterStreamSeq).slice(0, limit);
  }
  async countStream(streamId: string): Promise<number> {
    return this.events.filter((e) => e.streamId === streamId).length;
  }
  async close(): Promise<void> {}
}
