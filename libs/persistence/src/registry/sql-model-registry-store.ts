import type { DataSource } from 'typeorm';
import type { JsonObject } from '@lib/model';
import { executeStatement, selectRows, sqlGatewayFor, type SqlGateway, type SqlPlan } from '../sql/sql-gateway.js';
import { int64, nullableInt64, type SqlValue } from '../sql/sql-values.js';
import type {
  ModelRegistryStore,
  ModelStage,
  ModelVersion,
  ModelVersionQuery,
  NewModelVersion,
  RegistrySnapshot,
  StageAction,
  StageDecision,
  StageTransition,
  StageUpdate,
  TagChange,
} from './model-registry.types.js';

const STAGES: readonly string[] = ['None', 'Staging', 'Production', 'Archived'] satisfies readonly ModelStage[];
const ACTIONS: readonly string[] = ['register', 'stage', 'promote', 'archive', 'rollback'] satisfies readonly StageAction[];

const VERSION_COLUMNS = [
  'name',
  'version',
  'kind',
  'stage',
  'params',
  'metrics',
  'data_from',
  'data_to',
  'features',
  'selected_features',
  'parent_name',
  'parent_version',
  'artifact_uri',
  'artifact_sha256',
  'artifact_size',
  'promotable',
  'gate_reasons',
  'tags',
  'created_at',
  'updated_at',
  'stage_changed_at',
] as const;
const VERSION_LIST = VERSION_COLUMNS.join(', ');
const HISTORY_LIST = 'seq, name, version, from_stage, to_stage, action, reason, changed_at';

type StoredVersion = { [C in (typeof VERSION_COLUMNS)[number]]: SqlValue };

interface StoredTransition {
  seq: number | string;
  name: string;
  version: number | string;
  from_stage: string | null;
  to_stage: string;
  action: string;
  reason: string;
  changed_at: number | string;
}

/**
 * The model registry on SQLite or PostgreSQL (tables of migration 1767225600003).
 *
 * Version numbers come from `registered_models.last_version`, incremented by an upsert inside the
 * registering transaction: the row lock it takes makes concurrent registrations of a name (from any
 * number of processes) queue up and get consecutive versions. Every stage update first takes the
 * same row lock with a no-op UPDATE, so the rules (run on a snapshot read under the lock) and the
 * writes they decide are one atomic step per name. On SQLite every plan is a synchronous
 * BEGIN IMMEDIATE transaction, which serializes them anyway.
 */
export class SqlModelRegistryStore implements ModelRegistryStore {
  private readonly gateway: SqlGateway;
  private readonly writes: SqlGateway;

  constructor(dataSource: DataSource) {
    const gateway = sqlGatewayFor(dataSource);
    this.gateway = gateway.named('registry.read');
    this.writes = gateway.named('registry.write');
  }

  create(model: NewModelVersion, at: number, reason: string): Promise<ModelVersion> {
    return this.writes.transaction(createPlan(model, at, reason));
  }

  async get(name: string, version: number): Promise<ModelVersion | null> {
    const [row] = await this.gateway.select<StoredVersion>(`SELECT ${VERSION_LIST} FROM model_versions WHERE name = ? AND version = ?`, [name, version]);
    return row ? toVersion(row) : null;
  }

  async list(query: ModelVersionQuery = {}): Promise<ModelVersion[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.name !== undefined) {
      where.push('name = ?');
      params.push(query.name);
    }
    if (query.stage !== undefined) {
      where.push('stage = ?');
      params.push(query.stage);
    }
    const sql = `SELECT ${VERSION_LIST} FROM model_versions${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY name, version`;
    const versions = (await this.gateway.select<StoredVersion>(sql, params)).map(toVersion);
    // Tags are a JSON list: a registry holds hundreds of versions, not millions, so filter here.
    return query.tag === undefined ? versions : versions.filter((v) => v.tags.includes(query.tag!));
  }

  snapshot(name: string): Promise<RegistrySnapshot> {
    // PostgreSQL: FOR SHARE waits for an update of the name in flight, so both reads see the same state.
    const lock = this.gateway.dialect === 'postgres' ? 'SELECT name FROM registered_models WHERE name = ? FOR SHARE' : null;
    return this.gateway.transaction(snapshotPlan(name, lock));
  }

  updateStages(name: string, decide: StageDecision, at: number): Promise<StageUpdate> {
    return this.writes.transaction(updateStagesPlan(name, decide, at));
  }

  updateTags(name: string, version: number, change: TagChange, at: number): Promise<ModelVersion | null> {
    return this.writes.transaction(updateTagsPlan(name, version, change, at));
  }

  async history(name: string, version?: number): Promise<StageTransition[]> {
    const rows =
      version === undefined
        ? await this.gateway.select<StoredTransition>(`SELECT ${HISTORY_LIST} FROM model_stage_history WHERE name = ? ORDER BY seq`, [name])
        : await this.gateway.select<StoredTransition>(`SELECT ${HISTORY_LIST} FROM model_stage_history WHERE name = ? AND version = ? ORDER BY seq`, [name, version]);
    return rows.map(toTransition);
  }
}

function* createPlan(model: NewModelVersion, at: number, reason: string): SqlPlan<ModelVersion> {
  const [counter] = yield* selectRows<{ last_version: number | string }>(
    `INSERT INTO registered_models (name, last_version, created_at, updated_at) VALUES (?, 1, ?, ?)
     ON CONFLICT (name) DO UPDATE SET last_version = registered_models.last_version + 1, updated_at = excluded.updated_at
     RETURNING last_version`,
    [model.name, at, at],
  );
  const version = int64(counter!.last_version, 'registered_models.last_version');
  const row = encodeVersion({ ...model, version, stage: 'None', createdAt: at, updatedAt: at, stageChangedAt: at });
  yield* executeStatement(`INSERT INTO model_versions (${VERSION_LIST}) VALUES (${VERSION_COLUMNS.map(() => '?').join(', ')})`, VERSION_COLUMNS.map((c) => row[c]));
  yield* insertTransition({ name: model.name, version, from: null, to: 'None', action: 'register', reason, at });
  // Decoded from what was written: the caller gets no alias of its own objects.
  return toVersion(row);
}

function* snapshotPlan(name: string, lockSql: string | null): SqlPlan<RegistrySnapshot> {
  if (lockSql !== null) yield* selectRows(lockSql, [name]);
  const versions = (yield* selectRows<StoredVersion>(`SELECT ${VERSION_LIST} FROM model_versions WHERE name = ? ORDER BY version`, [name])).map(toVersion);
  const history = (yield* selectRows<StoredTransition>(`SELECT ${HISTORY_LIST} FROM model_stage_history WHERE name = ? ORDER BY seq`, [name])).map(toTransition);
  return { name, versions, history };
}

/** Takes the name's row lock (PostgreSQL; a no-op write changes nothing) for the rest of the transaction. */
function lockName(name: string): SqlPlan<number> {
  return executeStatement('UPDATE registered_models SET last_version = last_version WHERE name = ?', [name]);
}

function* updateStagesPlan(name: string, decide: StageDecision, at: number): SqlPlan<StageUpdate> {
  yield* lockName(name);
  const snapshot = yield* snapshotPlan(name, null);
  const changes = decide(snapshot);
  const versions = [...snapshot.versions];
  const transitions: StageTransition[] = [];
  for (const change of changes) {
    if (!STAGES.includes(change.to) || !ACTIONS.includes(change.action)) {
      throw new TypeError(`registry: invalid stage change ${JSON.stringify(change)}`);
    }
    const i = versions.findIndex((v) => v.version === change.version);
    if (i < 0) throw new Error(`registry: ${name} v${change.version} does not exist`);
    const from = versions[i]!.stage;
    const changed = yield* executeStatement(
      'UPDATE model_versions SET stage = ?, stage_changed_at = ?, updated_at = ? WHERE name = ? AND version = ? AND stage = ?',
      [change.to, at, at, name, change.version, from],
    );
    if (changed !== 1) throw new Error(`registry: ${name} v${change.version} changed stage concurrently`);
    versions[i] = { ...versions[i]!, stage: change.to, stageChangedAt: at, updatedAt: at };
    transitions.push(yield* insertTransition({ name, version: change.version, from, to: change.to, action: change.action, reason: change.reason, at }));
  }
  return { transitions, versions };
}

function* updateTagsPlan(name: string, version: number, change: TagChange, at: number): SqlPlan<ModelVersion | null> {
  yield* lockName(name);
  const [row] = yield* selectRows<StoredVersion>(`SELECT ${VERSION_LIST} FROM model_versions WHERE name = ? AND version = ?`, [name, version]);
  if (!row) return null;
  const current = toVersion(row);
  const remove = new Set(change.remove ?? []);
  const tags = [...new Set([...current.tags, ...(change.add ?? [])])].filter((t) => !remove.has(t));
  yield* executeStatement('UPDATE model_versions SET tags = ?, updated_at = ? WHERE name = ? AND version = ?', [JSON.stringify(tags), at, name, version]);
  return { ...current, tags, updatedAt: at };
}

function* insertTransition(t: Omit<StageTransition, 'seq'>): SqlPlan<StageTransition> {
  const [row] = yield* selectRows<{ seq: number | string }>(
    'INSERT INTO model_stage_history (name, version, from_stage, to_stage, action, reason, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq',
    [t.name, t.version, t.from, t.to, t.action, t.reason, t.at],
  );
  return { seq: int64(row!.seq, 'model_stage_history.seq'), ...t };
}

function encodeVersion(v: ModelVersion): StoredVersion {
  return {
    name: v.name,
    version: v.version,
    kind: v.kind,
    stage: v.stage,
    params: JSON.stringify(v.params),
    metrics: JSON.stringify(v.metrics),
    data_from: v.dataRange.fromMs,
    data_to: v.dataRange.toMs,
    features: JSON.stringify(v.features),
    selected_features: JSON.stringify(v.selectedFeatures),
    parent_name: v.parent?.name ?? null,
    parent_version: v.parent?.version ?? null,
    artifact_uri: v.artifact.uri,
    artifact_sha256: v.artifact.sha256,
    artifact_size: v.artifact.size,
    promotable: v.gates.promotable ? 1 : 0,
    gate_reasons: JSON.stringify(v.gates.reasons),
    tags: JSON.stringify(v.tags),
    created_at: v.createdAt,
    updated_at: v.updatedAt,
    stage_changed_at: v.stageChangedAt,
  };
}

function toVersion(row: StoredVersion): ModelVersion {
  const parentVersion = nullableInt64(row.parent_version, 'model_versions.parent_version');
  return {
    name: text(row.name),
    version: int64(row.version, 'model_versions.version'),
    kind: text(row.kind),
    params: JSON.parse(text(row.params)) as JsonObject,
    metrics: JSON.parse(text(row.metrics)) as JsonObject,
    dataRange: { fromMs: int64(row.data_from, 'model_versions.data_from'), toMs: int64(row.data_to, 'model_versions.data_to') },
    features: JSON.parse(text(row.features)) as string[],
    selectedFeatures: JSON.parse(text(row.selected_features)) as string[],
    parent: row.parent_name === null || parentVersion === null ? null : { name: text(row.parent_name), version: parentVersion },
    artifact: { uri: text(row.artifact_uri), sha256: text(row.artifact_sha256), size: int64(row.artifact_size, 'model_versions.artifact_size') },
    gates: { promotable: int64(row.promotable, 'model_versions.promotable') === 1, reasons: JSON.parse(text(row.gate_reasons)) as string[] },
    tags: JSON.parse(text(row.tags)) as string[],
    stage: stage(row.stage, 'model_versions.stage'),
    createdAt: int64(row.created_at, 'model_versions.created_at'),
    updatedAt: int64(row.updated_at, 'model_versions.updated_at'),
    stageChangedAt: int64(row.stage_changed_at, 'model_versions.stage_changed_at'),
  };
}

function toTransition(row: StoredTransition): StageTransition {
  const action = row.action;
  if (!ACTIONS.includes(action)) throw new Error(`persistence: model_stage_history.action holds ${JSON.stringify(action)}`);
  return {
    seq: int64(row.seq, 'model_stage_history.seq'),
    name: row.name,
    version: int64(row.version, 'model_stage_history.version'),
    from: row.from_stage === null ? null : stage(row.from_stage, 'model_stage_history.from_stage'),
    to: stage(row.to_stage, 'model_stage_history.to_stage'),
    action: action as StageAction,
    reason: row.reason,
    at: int64(row.changed_at, 'model_stage_history.changed_at'),
  };
}

function stage(value: SqlValue, column: string): ModelStage {
  if (typeof value !== 'string' || !STAGES.includes(value)) throw new Error(`persistence: ${column} holds ${JSON.stringify(value)}, expected a model stage`);
  return value as ModelStage;
}

function text(value: SqlValue): string {
  if (typeof value !== 'string') throw new Error(`persistence: expected text, got ${JSON.stringify(value)}`);
  return value;
}
