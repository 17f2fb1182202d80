import { EntitySchema } from 'typeorm';
import { INT64_AS_NUMBER } from './int64.transformer.js';

/** A row of `events`, for TypeORM queries (the store itself appends through prepared statements). */
export interface EventRow {
  seq: number;
  eventId: string;
  streamId: string;
  streamSeq: number;
  type: string;
  version: number;
  tsEvent: number;
  correlationId: string;
  causationId: string | null;
  payload: string;
  recordedAt: number;
}

export const EventEntity = new EntitySchema<EventRow>({
  name: 'Event',
  tableName: 'events',
  columns: {
    seq: { type: 'bigint', primary: true, primaryKeyConstraintName: 'pk_events', transformer: INT64_AS_NUMBER },
    eventId: { name: 'event_id', type: 'text' },
    streamId: { name: 'stream_id', type: 'text' },
    streamSeq: { name: 'stream_seq', type: 'integer' },
    type: { type: 'text' },
    version: { type: 'integer' },
    tsEvent: { name: 'ts_event', type: 'bigint', transformer: INT64_AS_NUMBER },
    correlationId: { name: 'correlation_id', type: 'text' },
    causationId: { name: 'causation_id', type: 'text', nullable: true },
    payload: { type: 'text' },
    recordedAt: { name: 'recorded_at', type: 'bigint', transformer: INT64_AS_NUMBER },
  },
  uniques: [
    { name: 'uq_events_event_id', columns: ['eventId'] },
    { name: 'uq_events_stream_seq', columns: ['streamId', 'streamSeq'] },
  ],
});
