/**
 * The write-behind outbox of session state: which (hash, field) pairs have changed since Redis last
 * acknowledged them. It holds keys, not values: values are read from the in-process copy at flush
 * time, so a key written a thousand times while Redis is down is one pending write carrying the
 * latest value (last write wins), and flushing can never write something older than the copy.
 *
 * Bound: at most `maxPending` individual keys. Past it, the outbox degrades to whole hashes: a hash
 * that would add a key is marked dirty as a whole (its keys leave the per-key list) and rewritten in
 * full from the copy at the next flush. No key is ever dropped; memory stays bounded by the number
 * of hashes (sessions). The first overflow of an episode is reported through `onOverflow`.
 *
 * Order: entries flush in the order of their last write (a rewritten key moves to the end), then
 * the whole-hash rewrites.
 */
export interface OutboxKey {
  readonly hash: string;
  readonly field: string;
}

/** One unit to flush: a single field, or a whole hash (`field: null`) after an overflow. */
export interface OutboxEntry {
  readonly hash: string;
  readonly field: string | null;
  /** Write counter at the time of `take`; an ack for an older version leaves the entry pending. */
  readonly version: number;
}

export interface OutboxOverflow {
  readonly maxPending: number;
  readonly hash: string;
}

export class SessionOutbox {
  private readonly pending = new Map<string, { hash: string; field: string; version: number }>();
  private readonly wholeHashes = new Map<string, number>();
  private counter = 0;
  private overflowing = false;
  private overflowCount = 0;

  constructor(
    private readonly maxPending: number,
    private readonly onOverflow: (overflow: OutboxOverflow) => void = () => undefined,
  ) {
    if (!Number.isInteger(maxPending) || maxPending < 1) throw new RangeError(`maxPending must be a positive integer (got ${maxPending})`);
  }

  /** Records that `key` changed in the copy. */
  mark(key: OutboxKey): void {
    const version = ++this.counter;
    if (this.wholeHashes.has(key.hash)) {
      this.wholeHashes.set(key.hash, version);
      return;
    }
    const id = entryId(key.hash, key.field);
    if (this.pending.has(id)) {
      // Delete and re-add: the key now flushes after everything written before it.
      this.pending.delete(id);
      this.pending.set(id, { hash: key.hash, field: key.field, version });
      return;
    }
    if (this.pending.size >= this.maxPending) {
      this.promoteToWholeHash(key.hash, version);
      return;
    }
    this.pending.set(id, { hash: key.hash, field: key.field, version });
  }

  /**
   * Marks a whole hash for a rewrite from the copy, e.g. after a reconnect to a Redis that may have
   * restarted empty. Not an overflow: nothing is reported.
   */
  rewrite(hash: string): void {
    const version = ++this.counter;
    for (const [id, entry] of this.pending) if (entry.hash === hash) this.pending.delete(id);
    this.wholeHashes.set(hash, version);
  }

  /** Individual pending keys plus hashes awaiting a full rewrite. */
  get size(): number {
    return this.pending.size + this.wholeHashes.size;
  }
  get pendingKeys(): number {
    return this.pending.size;
  }
  /** Hashes awaiting a full rewrite after an overflow. */
  get dirtyHashes(): readonly string[] {
    return [...this.wholeHashes.keys()];
  }
  /** How many times the bound was hit (each promotion of a hash to a full rewrite counts once). */
  get overflows(): number {
    return this.overflowCount;
  }
  get isOverflowing(): boolean {
    return this.overflowing;
  }
  hasPendingFor(hash: string): boolean {
    if (this.wholeHashes.has(hash)) return true;
    for (const entry of this.pending.values()) if (entry.hash === hash) return true;
    return false;
  }

  /** The next `limit` entries in flush order, without removing them (ack does, once Redis confirmed). */
  take(limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const entry of this.pending.values()) {
      if (out.length >= limit) return out;
      out.push({ hash: entry.hash, field: entry.field, version: entry.version });
    }
    for (const [hash, version] of this.wholeHashes) {
      if (out.length >= limit) return out;
      out.push({ hash, field: null, version });
    }
    return out;
  }

  /** Removes entries Redis confirmed, unless they were written again since they were taken. */
  ack(entries: readonly OutboxEntry[]): void {
    for (const entry of entries) {
      if (entry.field === null) {
        if (this.wholeHashes.get(entry.hash) === entry.version) this.wholeHashes.delete(entry.hash);
        continue;
      }
      const id = entryId(entry.hash, entry.field);
      if (this.pending.get(id)?.version === entry.version) this.pending.delete(id);
    }
    if (this.wholeHashes.size === 0 && this.pending.size < this.maxPending) this.overflowing = false;
  }

  private promoteToWholeHash(hash: string, version: number): void {
    for (const [id, entry] of this.pending) if (entry.hash === hash) this.pending.delete(id);
    this.wholeHashes.set(hash, version);
    this.overflowCount++;
    if (!this.overflowing) {
      this.overflowing = true;
      this.onOverflow({ maxPending: this.maxPending, hash });
    }
  }
}

function entryId(hash: string, field: string): string {
  return `${hash}\u0000${field}`;
}
