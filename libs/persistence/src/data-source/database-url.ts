/** Embedded default for a one-command start; relative to the working directory. */
export const DEFAULT_DATABASE_URL = 'sqlite:var/trade-matrix.sqlite';

export const SQLITE_MEMORY = ':memory:';

/** Where the data lives, decoded from a database URL. */
export type DatabaseTarget =
  | { readonly kind: 'sqlite'; /** a file path, or ':memory:' */ readonly path: string }
  | { readonly kind: 'postgres'; /** the URL without the `schema` parameter */ readonly url: string; readonly schema: string | null };

export class DatabaseUrlError extends Error {
  readonly code = 'PERSISTENCE.BAD_URL';
  constructor(url: string, reason: string) {
    super(`database URL '${redactDatabaseUrl(url)}': ${reason}`);
    this.name = 'DatabaseUrlError';
  }
}

/** Schema names are spliced into DDL and search_path, so only plain identifiers are accepted. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * `sqlite:<path>`, `sqlite::memory:`, `sqlite:///abs/path`,
 * `postgres://user:pass@host:5432/db?schema=name` (also `postgresql://`).
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed.startsWith('sqlite:')) {
    let path = trimmed.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new DatabaseUrlError(url, 'missing the file path (use sqlite:<path> or sqlite::memory:)');
    return { kind: 'sqlite', path };
  }
  if (trimmed.startsWith('postgres://') || trimmed.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new DatabaseUrlError(url, 'not a valid URL');
    }
    const schema = parsed.searchParams.get('schema');
    if (schema !== null && !SCHEMA_NAME.test(schema)) {
      throw new DatabaseUrlError(url, `schema '${schema}' must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters)`);
    }
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), schema };
  }
  throw new DatabaseUrlError(url, 'unsupported scheme (expected sqlite:, postgres:// or postgresql://)');
}

/** DATABASE_URL when set and not blank, the embedded SQLite file otherwise. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL?.trim();
  return url ? url : DEFAULT_DATABASE_URL;
}

/** The URL with its password masked, safe to log. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, '//$1:***@');
}
