import type { JsonObject } from '@lib/model';

export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface RunRecord {
  readonly runId: string;
  readonly mode: 'backtest' | 'paper' | 'live';
  readonly strategy: string;
  readonly status: RunStatus;
  /** Wall-clock times (ms): bookkeeping only, never part of the event stream. */
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly config: JsonObject;
  /** Summary written at the end of the run (summary.json content). */
  readonly summary: JsonObject | null;
  /** Canonical JSON of the projection state the run ended with, and its sha256. */
  readonly finalState: string | null;
  readonly stateHash: string | null;
  readonly eventStreamHash: string | null;
  readonly error: string | null;
}

export interface RunRepository {
  create(run: RunRecord): Promise<void>;
  update(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void>;
  get(runId: string): Promise<RunRecord | null>;
  /** Most recent first. */
  list(limit: number, offset: number): Promise<RunRecord[]>;
}

export const RUN_REPOSITORY = Symbol('RUN_REPOSITORY');
