import { EventStreamHasher } from './event-stream-hash.js';
import { readStreamChecked, EventStreamGapError } from './event-store.port.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import type { EventEnvelope } from './event-envelope.js';
import { deterministicEventId } from '../bus/message-bus.js';

function stream(streamId: string, seqOffset: number, payloads: string[]): EventEnvelope[] {
  const first = deterministicEventId(streamId, 1);
  return payloads.map((payload, i) => ({
    seq: seqOffset + i + 1,
    eventId: deterministicEventId(streamId, i + 1),
    streamId,
    streamSeq: i + 1,
    type: 'test.x',
    version: 1,
    tsEvent: i,
    correlationId: first,
    causationId: i === 0 ? null : deterministicEventId(streamId, i),
    payload,
  }));
}

const hashOf = (events: EventEnvelope[]) => {
  const h = new EventStreamHasher();
  events.forEach((e) => h.add(e));
  return h.digest();
};

describe('EventStreamHasher', () => {
  it('gives the same hash for the same events stored under different runs and seqs', () => {
    expect(hashOf(stream('run-a', 0, ['{"a":1}', '{"a":2}']))).toBe(hashOf(stream('run-b', 500, ['{"a":1}', '{"a":2}'])));
  });
  it('changes when one payload byte changes', () => {
    expect(hashOf(stream('r', 0, ['{"a":1}', '{"a":2}']))).not.toBe(hashOf(stream('r', 0, ['{"a":1}', '{"a":3}'])));
  });
});

describe('readStreamChecked', () => {
  it('reads a stream across pages', async () => {
    const store = new InMemoryEventStore();
    await store.append(stream('r', 0, ['1', '2', '3', '4', '5']));
    const out: number[] = [];
    for await (const e of readStreamChecked(store, 'r', 2)) out.push(e.streamSeq);
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });
  it('fails on a gap in the stream', async () => {
    const store = new InMemoryEventStore();
    const events = stream('r', 0, ['1', '2', '3']);
    await store.append([events[0]!, events[2]!]);
    const read = async () => {
      for await (const _ of readStreamChecked(store, 'r')) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(EventStreamGapError);
    await expect(read()).rejects.toThrow(/expected streamSeq 2, found 3/);
  });
});
