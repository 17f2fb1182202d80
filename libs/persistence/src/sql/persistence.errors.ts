/** The database is closed or unreachable: the caller may retry after a reconnect. */
export class PersistenceUnavailableError extends Error {
  readonly code = 'PERSISTENCE.UNAVAILABLE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PersistenceUnavailableError';
  }
}

/** An append carried a seq, eventId or (streamId, streamSeq) that is already stored (or repeated in the batch). */
export class DuplicateEventError extends Error {
  readonly code = 'EVENTS.DUPLICATE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DuplicateEventError';
  }
}

export class RunNotFoundError extends Error {
  readonly code = 'RUNS.NOT_FOUND';
  constructor(readonly runId: string) {
    super(`run ${runId} does not exist`);
    this.name = 'RunNotFoundError';
  }
}

export class RunAlreadyExistsError extends Error {
  readonly code = 'RUNS.ALREADY_EXISTS';
  constructor(
    readonly runId: string,
    options?: ErrorOptions,
  ) {
    super(`run ${runId} already exists`, options);
    this.name = 'RunAlreadyExistsError';
  }
}

/**
 * A row's time falls in a month that has no partition yet (PostgreSQL native partitioning).
 * The repositories create the partitions of what they write first; this means a write that
 * bypassed them, or a partition dropped by retention while the write was in flight.
 */
export class MissingPartitionError extends Error {
  readonly code = 'PERSISTENCE.NO_PARTITION';
  constructor(message: string, options?: ErrorOptions) {
    super(`no partition holds this row (create it with PartitionManager.ensureRange first): ${message}`, options);
    this.name = 'MissingPartitionError';
  }
}

/** SQLSTATE 23514 with PostgreSQL's "no partition of relation ... found for row". */
export function isMissingPartition(err: unknown): boolean {
  const code = errorCode(err) ?? errorCode((err as { driverError?: unknown } | null)?.driverError);
  return code === '23514' && err instanceof Error && /no partition of relation/i.test(err.message);
}

/**
 * A primary-key or unique constraint refused a row. better-sqlite3 reports SQLITE_CONSTRAINT_*;
 * node-postgres reports SQLSTATE 23505, which TypeORM wraps in QueryFailedError.driverError.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err) ?? errorCode((err as { driverError?: unknown } | null)?.driverError);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * The server or the network dropped the connection: SQLSTATE class 08 (connection exception),
 * 57P01-57P03 (server shutting down / restarting), or the socket failing under node-postgres.
 */
export function isConnectionLoss(err: unknown): boolean {
  const code = errorCode(err) ?? errorCode((err as { driverError?: unknown } | null)?.driverError);
  if (code !== undefined && (code.startsWith('08') || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code))) return true;
  return err instanceof Error && /Connection terminated|connection is closed|Client has encountered a connection error/i.test(err.message);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
