import type { DataSource } from 'typeorm';
import type { RunRecord, RunRepository } from '@lib/kernel';
import type { JsonObject } from '@lib/model';
import { isUniqueViolation, RunAlreadyExistsError, RunNotFoundError } from '../sql/persistence.errors.js';
import { sqlGatewayFor, type SqlGateway } from '../sql/sql-gateway.js';
import { int64, nullableInt64, type SqlValue } from '../sql/sql-values.js';

type RunField = Exclude<keyof RunRecord, 'runId'>;

/** Column and encoding of every field but the key; JSON documents are stored as text. */
const FIELDS: { readonly [F in RunField]: { readonly column: string; readonly encode: (value: RunRecord[F]) => SqlValue } } = {
  mode: { column: 'mode', encode: (v) => v },
  strategy: { column: 'strategy', encode: (v) => v },
  status: { column: 'status', encode: (v) => v },
  startedAt: { column: 'started_at', encode: (v) => v },
  finishedAt: { column: 'finished_at', encode: (v) => v },
  config: { column: 'config', encode: (v) => JSON.stringify(v) },
  summary: { column: 'summary', encode: (v) => (v === null ? null : JSON.stringify(v)) },
  finalState: { column: 'final_state', encode: (v) => v },
  stateHash: { column: 'state_hash', encode: (v) => v },
  eventStreamHash: { column: 'event_stream_hash', encode: (v) => v },
  error: { column: 'error', encode: (v) => v },
};
const FIELD_NAMES = Object.keys(FIELDS) as RunField[];
const COLUMNS = ['run_id', ...FIELD_NAMES.map((f) => FIELDS[f].column)].join(', ');

interface StoredRun {
  run_id: string;
  mode: RunRecord['mode'];
  strategy: string;
  status: RunRecord['status'];
  started_at: number | string;
  finished_at: number | string | null;
  config: string;
  summary: string | null;
  final_state: string | null;
  state_hash: string | null;
  event_stream_hash: string | null;
  error: string | null;
}

/** Run bookkeeping on SQLite or PostgreSQL. */
export class SqlRunRepository implements RunRepository {
  private readonly gateway: SqlGateway;
  private readonly writes: { create: SqlGateway; update: SqlGateway };

  constructor(dataSource: DataSource) {
    const gateway = sqlGatewayFor(dataSource);
    this.gateway = gateway.named('runs.read');
    this.writes = { create: gateway.named('runs.create'), update: gateway.named('runs.update') };
  }

  async create(run: RunRecord): Promise<void> {
    const values = [run.runId, ...FIELD_NAMES.map((f) => encode(f, run[f]))];
    try {
      await this.writes.create.execute(`INSERT INTO runs (${COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`, values);
    } catch (err) {
      if (isUniqueViolation(err)) throw new RunAlreadyExistsError(run.runId, { cause: err });
      throw err;
    }
  }

  async update(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void> {
    const fields = (Object.keys(patch) as RunField[]).filter((f) => patch[f] !== undefined);
    for (const f of fields) if (!(f in FIELDS)) throw new TypeError(`run ${runId}: unknown field '${String(f)}' in update`);
    const changed =
      fields.length === 0
        ? (await this.writes.update.select('SELECT run_id FROM runs WHERE run_id = ?', [runId])).length
        : await this.writes.update.execute(`UPDATE runs SET ${fields.map((f) => `${FIELDS[f].column} = ?`).join(', ')} WHERE run_id = ?`, [
            ...fields.map((f) => encode(f, patch[f]!)),
            runId,
          ]);
    if (changed === 0) throw new RunNotFoundError(runId);
  }

  async get(runId: string): Promise<RunRecord | null> {
    const [row] = await this.gateway.select<StoredRun>(`SELECT ${COLUMNS} FROM runs WHERE run_id = ?`, [runId]);
    return row ? toRecord(row) : null;
  }

  async list(limit: number, offset: number): Promise<RunRecord[]> {
    const rows = await this.gateway.select<StoredRun>(`SELECT ${COLUMNS} FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ? OFFSET ?`, [limit, offset]);
    return rows.map(toRecord);
  }
}

function encode<F extends RunField>(field: F, value: RunRecord[F]): SqlValue {
  return FIELDS[field].encode(value);
}

function toRecord(row: StoredRun): RunRecord {
  return {
    runId: row.run_id,
    mode: row.mode,
    strategy: row.strategy,
    status: row.status,
    startedAt: int64(row.started_at, 'runs.started_at'),
    finishedAt: nullableInt64(row.finished_at, 'runs.finished_at'),
    config: JSON.parse(row.config) as JsonObject,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as JsonObject),
    finalState: row.final_state,
    stateHash: row.state_hash,
    eventStreamHash: row.event_stream_hash,
    error: row.error,
  };
}
