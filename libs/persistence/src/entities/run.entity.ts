import { EntitySchema } from 'typeorm';
import { INT64_AS_NUMBER } from './int64.transformer.js';

/** A row of `runs`; `config` and `summary` are JSON text (SqlRunRepository parses them). */
export interface RunRow {
  runId: string;
  mode: string;
  strategy: string;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  config: string;
  summary: string | null;
  finalState: string | null;
  stateHash: string | null;
  eventStreamHash: string | null;
  error: string | null;
}

export const RunEntity = new EntitySchema<RunRow>({
  name: 'Run',
  tableName: 'runs',
  columns: {
    runId: { name: 'run_id', type: 'text', primary: true, primaryKeyConstraintName: 'pk_runs' },
    mode: { type: 'text' },
    strategy: { type: 'text' },
    status: { type: 'text' },
    startedAt: { name: 'started_at', type: 'bigint', transformer: INT64_AS_NUMBER },
    finishedAt: { name: 'finished_at', type: 'bigint', nullable: true, transformer: INT64_AS_NUMBER },
    config: { type: 'text' },
    summary: { type: 'text', nullable: true },
    finalState: { name: 'final_state', type: 'text', nullable: true },
    stateHash: { name: 'state_hash', type: 'text', nullable: true },
    eventStreamHash: { name: 'event_stream_hash', type: 'text', nullable: true },
    error: { type: 'text', nullable: true },
  },
  indices: [{ name: 'ix_runs_started_at', columns: ['startedAt', 'runId'] }],
});
