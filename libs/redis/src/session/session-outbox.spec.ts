import { SessionOutbox, type OutboxOverflow } from './session-outbox.js';

describe('SessionOutbox', () => {
  it('coalesces writes to one key: one pending entry, flushed after keys written before its last write', () => {
    const outbox = new SessionOutbox(100);
    outbox.mark({ hash: 's:1', field: 'bar:A' });
    outbox.mark({ hash: 's:1', field: 'bar:B' });
    outbox.mark({ hash: 's:1', field: 'bar:A' });
    outbox.mark({ hash: 's:1', field: 'bar:A' });

    expect(outbox.size).toBe(2);
    expect(outbox.take(10).map((e) => e.field)).toEqual(['bar:B', 'bar:A']);
  });

  it('keeps a key that was written again between take and ack (the newer value still has to go out)', () => {
    const outbox = new SessionOutbox(100);
    outbox.mark({ hash: 's:1', field: 'bar:A' });
    outbox.mark({ hash: 's:1', field: 'breaker' });
    const taken = outbox.take(10);
    outbox.mark({ hash: 's:1', field: 'bar:A' });
    outbox.ack(taken);

    expect(outbox.take(10).map((e) => e.field)).toEqual(['bar:A']);
    outbox.ack(outbox.take(10));
    expect(outbox.size).toBe(0);
  });

  it('takes in batches without removing anything until acked', () => {
    const outbox = new SessionOutbox(100);
    for (let i = 0; i < 5; i++) outbox.mark({ hash: 's:1', field: `bar:${i}` });
    const first = outbox.take(2);
    expect(first.map((e) => e.field)).toEqual(['bar:0', 'bar:1']);
    expect(outbox.size).toBe(5);
    outbox.ack(first);
    expect(outbox.take(10).map((e) => e.field)).toEqual(['bar:2', 'bar:3', 'bar:4']);
  });

  it('at the bound, says so once and turns the hash into a whole-hash rewrite instead of dropping keys', () => {
    const overflows: OutboxOverflow[] = [];
    const outbox = new SessionOutbox(3, (o) => overflows.push(o));
    outbox.mark({ hash: 's:1', field: 'bar:A' });
    outbox.mark({ hash: 's:2', field: 'bar:A' });
    outbox.mark({ hash: 's:2', field: 'bar:B' });
    // Rewriting a key already pending does not count against the bound.
    outbox.mark({ hash: 's:2', field: 'bar:B' });
    expect(overflows).toHaveLength(0);

    outbox.mark({ hash: 's:2', field: 'bar:C' });
    outbox.mark({ hash: 's:2', field: 'bar:D' });
    outbox.mark({ hash: 's:1', field: 'bar:B' });

    expect(overflows).toEqual([{ maxPending: 3, hash: 's:2' }]);
    expect(outbox.isOverflowing).toBe(true);
    // s:2's keys left the per-key list (the rewrite covers them), so s:1's new key fitted.
    expect(outbox.pendingKeys).toBeLessThanOrEqual(3);
    expect(outbox.dirtyHashes).toEqual(['s:2']);
    expect(outbox.hasPendingFor('s:1')).toBe(true);
    expect(outbox.hasPendingFor('s:2')).toBe(true);
    const all = outbox.take(100);
    expect(all).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ hash: 's:1', field: 'bar:A' }),
        expect.objectContaining({ hash: 's:1', field: 'bar:B' }),
        expect.objectContaining({ hash: 's:2', field: null }),
      ]),
    );
    expect(all).toHaveLength(3);

    outbox.ack(all);
    expect(outbox.size).toBe(0);
    expect(outbox.isOverflowing).toBe(false);
  });

  it('never grows past the bound plus one entry per session, however many keys are written', () => {
    const overflows: OutboxOverflow[] = [];
    const outbox = new SessionOutbox(10, (o) => overflows.push(o));
    for (let session = 0; session < 4; session++) {
      for (let i = 0; i < 1000; i++) outbox.mark({ hash: `s:${session}`, field: `bar:${i}` });
    }
    expect(outbox.size).toBeLessThanOrEqual(10 + 4);
    expect(outbox.dirtyHashes.length).toBeGreaterThan(0);
    // Reported loudly once per episode, not once per key.
    expect(overflows).toHaveLength(1);
  });

  it('rejects a non-positive bound', () => {
    expect(() => new SessionOutbox(0)).toThrow(RangeError);
  });
});
