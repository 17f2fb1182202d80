import type { DataSource } from 'typeorm';
import { MissingPartitionError } from '../sql/persistence.errors.js';
import { executeStatement, selectRows, sqlGatewayFor, type SqlGateway, type SqlPlan } from '../sql/sql-gateway.js';
import {
  createPartitionSql,
  monthIndexOf,
  monthOfBounds,
  monthsOf,
  monthStart as monthStartOf,
  parseRangeBound,
  partitionName,
  quoteIdent,
  type MonthIndex,
  type MonthPartition,
} from './monthly-partitions.js';
import { CREATE_INTEGER_NOW_FUNCTION, HYPERTABLE_STATE_SQL, timescaleStatements } from './timescale.sql.js';
import { DAY_MS, TIME_SERIES_TABLE_NAMES, type TimeSeriesTable, type TimeSeriesTableSpec } from './time-series.tables.js';

/** Whether TimescaleDB can be used by this database. */
export type TimescaleAvailability =
  | { readonly state: 'installed'; readonly version: string }
  | { readonly state: 'available'; readonly version: string }
  | { readonly state: 'absent' };

/** How one time-series table is stored. */
export type TableStorage = 'partitioned' | 'hypertable' | 'plain' | 'missing';

export interface TimeSeriesDetection {
  readonly dialect: 'sqlite' | 'postgres';
  readonly timescale: TimescaleAvailability;
  readonly tables: { readonly [T in TimeSeriesTable]: TableStorage };
  /** The storage path in one line, for the start-up log. */
  readonly summary: string;
}

/** Queries both the migrations (through a QueryRunner) and the manager (through the gateway) run. */
export type QueryRows = (sql: string) => Promise<Array<Record<string, unknown>>>;

export async function detectTimescale(query: QueryRows): Promise<TimescaleAvailability> {
  const [installed] = await query(`SELECT extversion AS version FROM pg_extension WHERE extname = 'timescaledb'`);
  if (installed) return { state: 'installed', version: String(installed.version) };
  const [available] = await query(`SELECT default_version AS version FROM pg_available_extensions WHERE name = 'timescaledb'`);
  return available ? { state: 'available', version: String(available.version) } : { state: 'absent' };
}

/**
 * The native path unless TimescaleDB is installed in this database. Being merely available
 * (packaged) is not enough: it must be preloaded and created by an administrator, so the
 * migrations never try `CREATE EXTENSION` themselves.
 */
export async function postgresTimeSeriesMode(query: QueryRows): Promise<'timescale' | 'native'> {
  return (await detectTimescale(query)).state === 'installed' ? 'timescale' : 'native';
}

export interface MaintenanceReport {
  readonly created: string[];
  readonly dropped: string[];
  /** TimescaleDB statements run (empty on the native path). */
  readonly timescale: string[];
}

/** Everything that changes partitions takes this lock, per schema, for its transaction. */
const PARTITION_LOCK = `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.tm_partitions'))`;

const PARTITIONS_SQL =
  `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound ` +
  `FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent ` +
  `JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = current_schema() AND p.relname = ?`;

const managers = new WeakMap<DataSource, PartitionManager>();

/** The partition manager of a DataSource, shared by its repositories (its partition cache lives here). */
export function partitionManagerFor(dataSource: DataSource): PartitionManager {
  let manager = managers.get(dataSource);
  if (!manager) {
    manager = new PartitionManager(dataSource);
    managers.set(dataSource, manager);
  }
  return manager;
}

/**
 * Monthly RANGE partitions of the time-series tables on PostgreSQL (native path), or their
 * hypertables and policies (TimescaleDB path). On SQLite every method is a no-op.
 *
 * Repositories call `ensureFor` before writing, so a row never meets a missing month; the cache
 * of known months makes that one Set lookup per row once the months exist.
 */
export class PartitionManager {
  private readonly gateway: SqlGateway;
  private readonly maintenanceGateway: SqlGateway;
  /** Months known to have a partition, per table; null when the table is not partitioned. */
  private readonly known = new Map<TimeSeriesTable, Promise<Set<MonthIndex> | null>>();

  constructor(dataSource: DataSource) {
    const gateway = sqlGatewayFor(dataSource);
    this.gateway = gateway.named('partitions.ensure');
    this.maintenanceGateway = gateway.named('partitions.maintain');
  }

  async detect(): Promise<TimeSeriesDetection> {
    const missing = Object.fromEntries(TIME_SERIES_TABLE_NAMES.map((t) => [t, 'missing'])) as Record<TimeSeriesTable, TableStorage>;
    if (this.gateway.dialect === 'sqlite') {
      return { dialect: 'sqlite', timescale: { state: 'absent' }, tables: missing, summary: 'sqlite (one file: no partitions, no retention)' };
    }
    const query: QueryRows = (sql) => this.maintenanceGateway.select(sql);
    const timescale = await detectTimescale(query);
    const tables = { ...missing };
    const rows = await this.maintenanceGateway.select<{ name: string; partitioned: boolean }>(
      `SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_partitioned_table pt WHERE pt.partrelid = c.oid) AS partitioned ` +
        `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ` +
        `WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname IN (${TIME_SERIES_TABLE_NAMES.map(() => '?').join(', ')})`,
      [...TIME_SERIES_TABLE_NAMES],
    );
    for (const row of rows) tables[row.name as TimeSeriesTable] = row.partitioned ? 'partitioned' : 'plain';
    if (timescale.state === 'installed') {
      for (const row of await this.maintenanceGateway.select<{ name: string }>(HYPERTABLE_STATE_SQL)) {
        if (row.name in tables) tables[row.name as TimeSeriesTable] = 'hypertable';
      }
    }
    return { dialect: 'postgres', timescale, tables, summary: summarize(timescale, tables) };
  }

  /** The partitions of `table` that cover exactly one month, ascending; [] when it is not partitioned. */
  async partitionsOf(table: TimeSeriesTable): Promise<MonthPartition[]> {
    if (this.gateway.dialect === 'sqlite') return [];
    return this.gateway.transaction(this.readPartitions(table));
  }

  /** Creates the partitions the rows at `timestamps` need; returns the names created. */
  async ensureFor(table: TimeSeriesTable, timestamps: Iterable<number>): Promise<string[]> {
    if (this.gateway.dialect === 'sqlite') return [];
    const known = await this.knownMonths(table);
    if (known === null) return [];
    const needed = monthsOf(timestamps).filter((m) => !known.has(m));
    if (needed.length === 0) return [];
    return this.createMonths(table, needed);
  }

  /** Creates the partitions of every month from the one holding `fromTs` to the one holding `toTs`. */
  async ensureRange(table: TimeSeriesTable, fromTs: number, toTs: number): Promise<string[]> {
    const first = monthIndexOf(Math.min(fromTs, toTs));
    const last = monthIndexOf(Math.max(fromTs, toTs));
    const months = Array.from({ length: last - first + 1 }, (_, i) => monthStartOf(first + i));
    return this.ensureFor(table, months);
  }

  /** Forgets what is cached about `table` (after a MissingPartitionError: another process dropped one). */
  forget(table: TimeSeriesTable): void {
    this.known.delete(table);
  }

  /**
   * Drops the partitions of `table` whose whole range is older than `retentionDays` before `now`
   * (upper bound <= cutoff); a partition holding any row at or after the cutoff is kept whole.
   */
  async dropExpired(table: TimeSeriesTable, retentionDays: number, now: number): Promise<string[]> {
    if (this.gateway.dialect === 'sqlite') return [];
    const cutoff = now - retentionDays * DAY_MS;
    const self = this;
    const dropped = await this.maintenanceGateway.transaction(
      (function* (): SqlPlan<string[]> {
        yield* executeStatement(PARTITION_LOCK);
        const out: string[] = [];
        for (const p of yield* self.readPartitions(table)) {
          if (p.to > cutoff) continue;
          yield* executeStatement(`DROP TABLE IF EXISTS ${quoteIdent(p.name)}`);
          out.push(p.name);
        }
        return out;
      })(),
    );
    if (dropped.length > 0) this.forget(table);
    return dropped;
  }

  /**
   * One maintenance pass: on the native path, partitions from the current month to `monthsAhead`
   * months ahead and retention by dropping partitions; on TimescaleDB, hypertables and policies.
   */
  async maintain(specs: readonly TimeSeriesTableSpec[], monthsAhead: number, now: number, detection?: TimeSeriesDetection): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { created: [], dropped: [], timescale: [] };
    if (this.gateway.dialect === 'sqlite') return report;
    const found = detection ?? (await this.detect());
    const hypertables = found.timescale.state === 'installed' ? await this.hypertableStates() : new Map<string, boolean>();
    let integerNowReady = false;
    for (const spec of specs) {
      const storage = found.tables[spec.table];
      if (storage === 'partitioned') {
        const current = monthIndexOf(now);
        report.created.push(...(await this.ensureRange(spec.table, monthStartOf(current), monthStartOf(current + monthsAhead))));
        if (spec.retentionDays !== null) report.dropped.push(...(await this.dropExpired(spec.table, spec.retentionDays, now)));
      } else if (found.timescale.state === 'installed' && (storage === 'plain' || storage === 'hypertable')) {
        const statements = timescaleStatements(spec, { hypertable: storage === 'hypertable', compressionEnabled: hypertables.get(spec.table) ?? false });
        if (!integerNowReady) statements.unshift(CREATE_INTEGER_NOW_FUNCTION);
        integerNowReady = true;
        await this.maintenanceGateway.transaction(
          (function* (): SqlPlan<void> {
            for (const sql of statements) yield* executeStatement(sql);
          })(),
        );
        report.timescale.push(...statements);
      }
    }
    return report;
  }

  private async hypertableStates(): Promise<Map<string, boolean>> {
    const rows = await this.maintenanceGateway.select<{ name: string; compression_enabled: boolean }>(HYPERTABLE_STATE_SQL);
    return new Map(rows.map((r) => [r.name, r.compression_enabled === true]));
  }

  private knownMonths(table: TimeSeriesTable): Promise<Set<MonthIndex> | null> {
    let known = this.known.get(table);
    if (!known) {
      known = this.loadKnown(table);
      this.known.set(table, known);
      // A failed load (connection lost) must not be cached.
      known.catch(() => this.known.delete(table));
    }
    return known;
  }

  private async loadKnown(table: TimeSeriesTable): Promise<Set<MonthIndex> | null> {
    const [row] = await this.gateway.select<{ partitioned: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid ` +
        `JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = ?) AS partitioned`,
      [table],
    );
    if (!row?.partitioned) return null;
    return new Set((await this.partitionsOf(table)).map((p) => monthIndexOf(p.from)));
  }

  /** Under the lock: re-reads the partitions (another process may have made some) and creates the rest. */
  private async createMonths(table: TimeSeriesTable, months: readonly MonthIndex[]): Promise<string[]> {
    const self = this;
    const { created, existing } = await this.gateway.transaction(
      (function* (): SqlPlan<{ created: string[]; existing: MonthIndex[] }> {
        yield* executeStatement(PARTITION_LOCK);
        const existing = new Set((yield* self.readPartitions(table)).map((p) => monthIndexOf(p.from)));
        const created: string[] = [];
        for (const month of months) {
          if (existing.has(month)) continue;
          yield* executeStatement(createPartitionSql(table, month));
          existing.add(month);
          created.push(partitionName(table, month));
        }
        return { created, existing: [...existing] };
      })(),
    );
    const known = await this.knownMonths(table);
    if (known) for (const m of existing) known.add(m);
    return created;
  }

  private *readPartitions(table: TimeSeriesTable): SqlPlan<MonthPartition[]> {
    const rows = yield* selectRows<{ name: string; bound: string }>(PARTITIONS_SQL, [table]);
    const out: MonthPartition[] = [];
    for (const row of rows) {
      const bound = parseRangeBound(row.bound);
      if (bound && monthOfBounds(bound.from, bound.to) !== null) out.push({ name: row.name, ...bound });
    }
    return out.sort((a, b) => a.from - b.from);
  }

  /** Runs `write`; when a partition went missing under it (dropped elsewhere), ensures again and retries once. */
  async writeWithPartitions<T>(table: TimeSeriesTable, timestamps: readonly number[], write: () => Promise<T>): Promise<T> {
    await this.ensureFor(table, timestamps);
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof MissingPartitionError)) throw err;
      this.forget(table);
      await this.ensureFor(table, timestamps);
      return write();
    }
  }
}

function summarize(timescale: TimescaleAvailability, tables: Readonly<Record<TimeSeriesTable, TableStorage>>): string {
  const storages = new Set(Object.values(tables));
  const why =
    timescale.state === 'absent'
      ? 'timescaledb not available'
      : timescale.state === 'available'
        ? `timescaledb ${timescale.version} available but not installed in this database`
        : `timescaledb ${timescale.version} installed`;
  if (storages.has('partitioned') && !storages.has('hypertable')) {
    const installedLate = timescale.state === 'installed' ? ', tables were partitioned before it was installed: keeping partitions' : '';
    return `native monthly partitions (${why}${installedLate})`;
  }
  if (timescale.state === 'installed') return `timescaledb hypertables (${why})`;
  return `plain tables (${why}; time-series tables are not partitioned: ${describe(tables)})`;
}

function describe(tables: Readonly<Record<TimeSeriesTable, TableStorage>>): string {
  return Object.entries(tables)
    .map(([t, s]) => `${t}=${s}`)
    .join(', ');
}
