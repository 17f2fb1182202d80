import type BetterSqlite3 from 'better-sqlite3';
import type { PoolClient } from 'pg';
import type { DataSource, QueryResult, QueryRunner } from 'typeorm';
import { NO_OP_OBSERVER, observed, type OperationObserver } from '@lib/kernel';
import { isConnectionLoss, isMissingPartition, MissingPartitionError, PersistenceUnavailableError } from './persistence.errors.js';
import { sqlDialectOf, type SqlDialect } from './sql-dialect.js';
import type { SqlValue } from './sql-values.js';

/** One statement of a plan. Statements always use `?` placeholders; PostgreSQL gets them numbered. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  /** `rows`: the statement returns rows (SELECT, ... RETURNING); `changes`: the number of rows it changed. */
  readonly returns: 'rows' | 'changes';
  /** Asks PostgreSQL to parse and plan it once per connection (SQLite caches every statement anyway). */
  readonly statementName?: string;
}

/**
 * A unit of work written once for both databases: a generator that yields statements and
 * receives their results. SQLite runs it synchronously inside one native transaction (nothing
 * else can interleave); PostgreSQL runs it statement by statement inside one transaction.
 */
export type SqlPlan<T> = Generator<SqlStatement, T, unknown>;

export function* selectRows<Row>(sql: string, params: readonly SqlValue[] = []): SqlPlan<Row[]> {
  return (yield { sql, params, returns: 'rows' }) as Row[];
}

export function* executeStatement(sql: string, params: readonly SqlValue[] = [], statementName?: string): SqlPlan<number> {
  return (yield { sql, params, returns: 'changes', ...(statementName ? { statementName } : {}) }) as number;
}

/** The operation name reported for a call made without `named(...)`. */
export const GENERIC_OPERATION = 'query';

/**
 * Raw SQL over a TypeORM DataSource, one per DataSource (see `sqlGatewayFor`). Every call is
 * reported to the DataSource's observer (see `observeDataSource`) under the gateway's operation name.
 */
export interface SqlGateway {
  readonly dialect: SqlDialect;
  /** The same gateway reporting its calls as `operation` (a bounded name such as `runs.update`). */
  named(operation: string): SqlGateway;
  select<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Resolves with the number of rows the statement changed. */
  execute(sql: string, params?: readonly SqlValue[], statementName?: string): Promise<number>;
  /** Runs a plan in one transaction: all of it is committed, or none of it. */
  transaction<T>(plan: SqlPlan<T>): Promise<T>;
}

const gateways = new WeakMap<DataSource, SqliteGateway | PostgresGateway>();
const observers = new WeakMap<DataSource, OperationObserver>();
const STATEMENT_CACHE_SIZE = 128;

/**
 * Reports every later gateway call on `dataSource` (from any store) to `observer`. Kept beside the
 * DataSource rather than passed to each store, so stores built before or after this see the same one.
 */
export function observeDataSource(dataSource: DataSource, observer: OperationObserver): void {
  observers.set(dataSource, observer);
}

export function observerOf(dataSource: DataSource): OperationObserver {
  return observers.get(dataSource) ?? NO_OP_OBSERVER;
}

/** Runs `work` and reports it to the observer of `dataSource` as `operation`. */
export function observedOn<T>(dataSource: DataSource, operation: string, work: () => Promise<T>): Promise<T> {
  return observed(observerOf(dataSource), operation, work);
}

/** The gateway of a DataSource, shared by every store on it (statement caches live here). */
export function sqlGatewayFor(dataSource: DataSource): SqliteGateway | PostgresGateway {
  let gateway = gateways.get(dataSource);
  if (!gateway) {
    gateway = sqlDialectOf(dataSource) === 'sqlite' ? new SqliteGateway(dataSource) : new PostgresGateway(dataSource);
    gateways.set(dataSource, gateway);
  }
  return gateway;
}

/** A view of a gateway that reports its calls under another operation name; the work is the base's. */
class NamedGateway implements SqlGateway {
  constructor(
    private readonly base: SqliteGateway | PostgresGateway,
    private readonly operation: string,
  ) {}

  get dialect(): SqlDialect {
    return this.base.dialect;
  }

  named(operation: string): SqlGateway {
    return this.base.named(operation);
  }

  select<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.base.selectAs<Row>(this.operation, sql, params);
  }

  execute(sql: string, params: readonly SqlValue[] = [], statementName?: string): Promise<number> {
    return this.base.executeAs(this.operation, sql, params, statementName);
  }

  transaction<T>(plan: SqlPlan<T>): Promise<T> {
    return this.base.transactionAs(this.operation, plan);
  }
}

/**
 * The native better-sqlite3 handle behind a TypeORM DataSource. TypeORM keeps it on its driver
 * without a public type; this is the one place that reaches for it.
 */
export function betterSqlite3HandleOf(dataSource: DataSource): BetterSqlite3.Database {
  if (dataSource.options.type !== 'better-sqlite3') {
    throw new Error(`persistence: ${dataSource.options.type} has no better-sqlite3 handle`);
  }
  const handle = dataSource.isInitialized
    ? (dataSource.driver as unknown as { databaseConnection?: BetterSqlite3.Database }).databaseConnection
    : undefined;
  if (!handle?.open) throw new PersistenceUnavailableError('SQLite database is closed (DataSource destroyed or not initialized)');
  return handle;
}

/**
 * SQLite through the better-sqlite3 handle, synchronously. No transaction ever spans an `await`,
 * so nothing (another store, TypeORM itself) can slip a statement into it on the shared connection.
 */
export class SqliteGateway implements SqlGateway {
  readonly dialect = 'sqlite' as const;
  private handle: BetterSqlite3.Database | null = null;
  private readonly statements = new Map<string, BetterSqlite3.Statement<SqlValue[]>>();
  private readonly rawStatements = new Map<string, BetterSqlite3.Statement<SqlValue[]>>();
  private runPlanAtomically: (plan: SqlPlan<unknown>) => unknown = () => {
    throw new Error('SqliteGateway: no handle yet');
  };

  private readonly views = new Map<string, SqlGateway>();

  constructor(private readonly dataSource: DataSource) {}

  named(operation: string): SqlGateway {
    return namedView(this, this.views, operation);
  }

  /** The open native handle; prepared statements cached for an earlier handle are dropped. */
  nativeHandle(): BetterSqlite3.Database {
    const db = betterSqlite3HandleOf(this.dataSource);
    if (db !== this.handle) {
      this.handle = db;
      this.statements.clear();
      this.rawStatements.clear();
      // IMMEDIATE takes the write lock at BEGIN, so two processes never deadlock upgrading a read lock.
      this.runPlanAtomically = db.transaction((plan: SqlPlan<unknown>) => this.runPlan(plan)).immediate;
    }
    return db;
  }

  select<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.selectAs<Row>(GENERIC_OPERATION, sql, params);
  }

  selectAs<Row>(operation: string, sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    return observedOn(this.dataSource, operation, async () => this.runStatement({ sql, params, returns: 'rows' }) as Row[]);
  }

  /** Rows as arrays in column order: no per-row object, for the hot read of event streams. */
  selectRaw(sql: string, params: readonly SqlValue[] = [], operation = GENERIC_OPERATION): Promise<unknown[][]> {
    return observedOn(this.dataSource, operation, async () => this.selectRawNow(sql, params));
  }

  private selectRawNow(sql: string, params: readonly SqlValue[]): unknown[][] {
    const db = this.nativeHandle();
    let prepared = this.rawStatements.get(sql);
    if (!prepared) {
      prepared = db.prepare<SqlValue[]>(sql).raw(true);
      if (this.rawStatements.size >= STATEMENT_CACHE_SIZE) this.rawStatements.clear();
      this.rawStatements.set(sql, prepared);
    }
    return prepared.all(...params) as unknown[][];
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.executeAs(GENERIC_OPERATION, sql, params);
  }

  executeAs(operation: string, sql: string, params: readonly SqlValue[], _statementName?: string): Promise<number> {
    return observedOn(this.dataSource, operation, async () => this.runStatement({ sql, params, returns: 'changes' }) as number);
  }

  transaction<T>(plan: SqlPlan<T>): Promise<T> {
    return this.transactionAs(GENERIC_OPERATION, plan);
  }

  transactionAs<T>(operation: string, plan: SqlPlan<T>): Promise<T> {
    return observedOn(this.dataSource, operation, async () => {
      this.nativeHandle();
      return this.runPlanAtomically(plan) as T;
    });
  }

  private runPlan<T>(plan: SqlPlan<T>): T {
    let step = plan.next();
    while (!step.done) step = plan.next(this.runStatement(step.value));
    return step.value;
  }

  private runStatement(statement: SqlStatement): unknown[] | number {
    const db = this.nativeHandle();
    let prepared = this.statements.get(statement.sql);
    if (!prepared) {
      prepared = db.prepare<SqlValue[]>(statement.sql);
      // Multi-row statements differ by row count; keep the cache from growing with every size seen.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      this.statements.set(statement.sql, prepared);
    }
    return statement.returns === 'rows' ? prepared.all(...statement.params) : prepared.run(...statement.params).changes;
  }
}

/** PostgreSQL through TypeORM query runners: one pooled connection per call or per transaction. */
export class PostgresGateway implements SqlGateway {
  readonly dialect = 'postgres' as const;
  private readonly numbered = new Map<string, string>();
  private readonly views = new Map<string, SqlGateway>();

  constructor(private readonly dataSource: DataSource) {}

  named(operation: string): SqlGateway {
    return namedView(this, this.views, operation);
  }

  select<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.selectAs<Row>(GENERIC_OPERATION, sql, params);
  }

  selectAs<Row>(operation: string, sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    return observedOn(this.dataSource, operation, () =>
      this.withRunner(async (runner) => (await this.runStatement(runner, { sql, params, returns: 'rows' })) as Row[]),
    );
  }

  execute(sql: string, params: readonly SqlValue[] = [], statementName?: string): Promise<number> {
    return this.executeAs(GENERIC_OPERATION, sql, params, statementName);
  }

  executeAs(operation: string, sql: string, params: readonly SqlValue[], statementName?: string): Promise<number> {
    const statement: SqlStatement = { sql, params, returns: 'changes', ...(statementName ? { statementName } : {}) };
    return observedOn(this.dataSource, operation, () => this.withRunner(async (runner) => (await this.runStatement(runner, statement)) as number));
  }

  transaction<T>(plan: SqlPlan<T>): Promise<T> {
    return this.transactionAs(GENERIC_OPERATION, plan);
  }

  transactionAs<T>(operation: string, plan: SqlPlan<T>): Promise<T> {
    return observedOn(this.dataSource, operation, () => this.transactionNow(plan));
  }

  private transactionNow<T>(plan: SqlPlan<T>): Promise<T> {
    return this.withRunner(async (runner) => {
      await runner.startTransaction();
      try {
        let step = plan.next();
        while (!step.done) step = plan.next(await this.runStatement(runner, step.value));
        await runner.commitTransaction();
        return step.value;
      } catch (err) {
        // A failed rollback (connection gone) must not hide the error that caused it.
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw err;
      }
    });
  }

  private async withRunner<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    if (!this.dataSource.isInitialized) throw new PersistenceUnavailableError('PostgreSQL DataSource is destroyed or not initialized');
    const runner = this.dataSource.createQueryRunner();
    try {
      return await work(runner);
    } catch (err) {
      if (isConnectionLoss(err)) throw new PersistenceUnavailableError(`PostgreSQL connection lost: ${(err as Error).message}`, { cause: err });
      if (isMissingPartition(err)) throw new MissingPartitionError((err as Error).message, { cause: err });
      throw err;
    } finally {
      await runner.release();
    }
  }

  private async runStatement(runner: QueryRunner, statement: SqlStatement): Promise<unknown[] | number> {
    const text = this.toNumberedPlaceholders(statement.sql);
    if (statement.statementName !== undefined) {
      // TypeORM has no named statements; its runner hands out the pooled node-postgres client.
      const client: PoolClient = await runner.connect();
      const result = await client.query({ name: statement.statementName, text, values: [...statement.params] });
      return statement.returns === 'rows' ? result.rows : (result.rowCount ?? 0);
    }
    const result = (await runner.query(text, [...statement.params], true)) as QueryResult;
    return statement.returns === 'rows' ? result.records : (result.affected ?? 0);
  }

  /** `?` → `$1, $2, ...` (the statements of this library never contain a literal `?`). */
  private toNumberedPlaceholders(sql: string): string {
    let out = this.numbered.get(sql);
    if (out === undefined) {
      let n = 0;
      out = sql.replace(/\?/g, () => `$${++n}`);
      if (this.numbered.size >= STATEMENT_CACHE_SIZE) this.numbered.clear();
      this.numbered.set(sql, out);
    }
    return out;
  }
}

function namedView(base: SqliteGateway | PostgresGateway, views: Map<string, SqlGateway>, operation: string): SqlGateway {
  let view = views.get(operation);
  if (!view) {
    view = new NamedGateway(base, operation);
    views.set(operation, view);
  }
  return view;
}
