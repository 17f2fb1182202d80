import { createHash, type Hash } from 'node:crypto';
import type { EventEnvelope } from './event-envelope.js';

/**
 * Hash of an event stream in seq order, independent of where it was stored: the run id, the
 * global seq and event ids differ between two runs of the same input, so they are replaced by
 * stream positions (correlation and causation as the position of the event they point to).
 * Two runs on the same input must give the same hash.
 */
export class EventStreamHasher {
  private readonly hash: Hash = createHash('sha256');
  private readonly positions = new Map<string, number>();
  private pending: string[] = [];
  private count = 0;

  add(env: EventEnvelope): void {
    this.positions.set(env.eventId, env.streamSeq);
    const correlation = this.positions.get(env.correlationId) ?? -1;
    const causation = env.causationId === null ? 0 : (this.positions.get(env.causationId) ?? -1);
    this.pending.push(`${env.streamSeq}|${env.type}|${env.version}|${env.tsEvent}|${correlation}|${causation}|${env.payload}\n`);
    // Hashing in blocks: one update per 512 lines costs far less than one per line.
    if (this.pending.length === 512) this.drain();
    this.count++;
  }

  get events(): number {
    return this.count;
  }

  digest(): string {
    this.drain();
    return this.hash.digest('hex');
  }

  private drain(): void {
    if (this.pending.length === 0) return;
    this.hash.update(this.pending.join(''));
    this.pending = [];
  }
}
