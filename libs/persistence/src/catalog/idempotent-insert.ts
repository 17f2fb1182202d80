import type { InsertResult } from '@lib/kernel';
import { selectRows, type SqlPlan } from '../sql/sql-gateway.js';
import { chunked, valuesPlaceholders, type SqlValue } from '../sql/sql-values.js';

/**
 * How one catalog table maps to rows. The key's last column is the time; content columns are the
 * market data compared on a repeated key; provenance (`source`) is stored but not compared.
 */
export interface CatalogTable<Row> {
  readonly table: string;
  /** Quoted where needed (`"interval"` is a keyword in PostgreSQL). */
  readonly keyColumns: readonly string[];
  readonly contentColumns: readonly string[];
  readonly provenanceColumns: readonly string[];
  keyOf(row: Row): SqlValue[];
  contentOf(row: Row): SqlValue[];
  provenanceOf(row: Row): SqlValue[];
  /** A row read back with the columns in the order key, content, provenance. */
  fromStored(stored: Readonly<Record<string, unknown>>): Row;
}

/** Well below SQLite's 32766 and PostgreSQL's 65535 bound parameters. */
const PARAMETERS_PER_STATEMENT = 4000;

export function columnsOf(spec: CatalogTable<unknown>): string[] {
  return [...spec.keyColumns, ...spec.contentColumns, ...spec.provenanceColumns];
}

/**
 * Inserts what is new and never overwrites: `INSERT ... ON CONFLICT DO NOTHING RETURNING key`,
 * then the refused rows are compared with what is stored. Equal content is a duplicate, different
 * content a conflict (the stored row stays). A key repeated inside `rows` is judged against its
 * first occurrence, which is the one inserted. Meant to run as one transaction.
 */
export function* insertIdempotent<Row>(spec: CatalogTable<Row>, rows: readonly Row[]): SqlPlan<InsertResult> {
  const columns = columnsOf(spec as CatalogTable<unknown>);
  const keyList = spec.keyColumns.join(', ');
  const keyText = (row: Row) => JSON.stringify(spec.keyOf(row));
  // One key order for every caller, so two concurrent PostgreSQL transactions cannot deadlock on
  // each other's rows. The sort is stable: a repeated key keeps its first occurrence first.
  const ordered = rows
    .map((row) => ({ row, key: keyText(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ row }) => row);
  const refused: Row[] = [];
  let inserted = 0;
  for (const chunk of chunked(ordered, Math.floor(PARAMETERS_PER_STATEMENT / columns.length))) {
    const returned = yield* selectRows<Record<string, unknown>>(
      `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES ${valuesPlaceholders(chunk.length, columns.length)} ` +
        `ON CONFLICT (${keyList}) DO NOTHING RETURNING ${columns.join(', ')}`,
      chunk.flatMap((row) => [...spec.keyOf(row), ...spec.contentOf(row), ...spec.provenanceOf(row)]),
    );
    const fresh = new Set(returned.map((stored) => keyText(spec.fromStored(stored))));
    inserted += fresh.size;
    for (const row of chunk) {
      if (!fresh.delete(keyText(row))) refused.push(row);
    }
  }
  if (refused.length === 0) return { inserted, duplicates: 0, conflicts: 0 };

  const stored = new Map((yield* readStored(spec, refused)).map((row) => [keyText(row), row] as const));
  let duplicates = 0;
  let conflicts = 0;
  for (const row of refused) {
    const existing = stored.get(keyText(row));
    if (existing === undefined) throw new Error(`${spec.table}: row ${keyText(row)} was refused on insert but is not stored`);
    const a = spec.contentOf(row);
    const b = spec.contentOf(existing);
    if (a.every((value, i) => value === b[i])) duplicates++;
    else conflicts++;
  }
  return { inserted, duplicates, conflicts };
}

/** Stored rows for the keys of `rows`, grouped by the key prefix (instrument, interval) with the times in an IN list. */
function* readStored<Row>(spec: CatalogTable<Row>, rows: readonly Row[]): SqlPlan<Row[]> {
  const prefixColumns = spec.keyColumns.slice(0, -1);
  const timeColumn = spec.keyColumns.at(-1)!;
  const groups = new Map<string, { prefix: SqlValue[]; times: SqlValue[] }>();
  for (const row of rows) {
    const key = spec.keyOf(row);
    const prefix = key.slice(0, -1);
    const id = JSON.stringify(prefix);
    const group = groups.get(id) ?? { prefix, times: [] };
    group.times.push(key.at(-1)!);
    groups.set(id, group);
  }
  const out: Row[] = [];
  const prefixMatch = prefixColumns.map((c) => `${c} = ? AND `).join('');
  for (const { prefix, times } of groups.values()) {
    for (const chunk of chunked(times, PARAMETERS_PER_STATEMENT)) {
      const found = yield* selectRows<Record<string, unknown>>(
        `SELECT ${columnsOf(spec as CatalogTable<unknown>).join(', ')} FROM ${spec.table} ` +
          `WHERE ${prefixMatch}${timeColumn} IN (${new Array<string>(chunk.length).fill('?').join(', ')})`,
        [...prefix, ...chunk],
      );
      out.push(...found.map((stored) => spec.fromStored(stored)));
    }
  }
  return out;
}
