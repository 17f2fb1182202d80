/**
 * One stored event. `seq` is global to the store and assigned by the kernel before any handler
 * runs; `streamSeq` counts from 1 inside a stream (a run), so gaps are detectable per stream.
 * `payload` is the event's JSON exactly as written (amounts as decimal strings).
 */
export interface EventEnvelope {
  readonly seq: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly streamSeq: number;
  readonly type: string;
  readonly version: number;
  readonly tsEvent: number;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly payload: string;
}
