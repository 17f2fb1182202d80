import type { MigrationInterface, QueryRunner } from 'typeorm';
import { int64Type, tableOptions } from '../sql/sql-dialect.js';
import { migrationDialect } from './migration-dialect.js';

/**
 * The event store. `payload` is TEXT, not jsonb: jsonb reorders keys and normalizes numbers,
 * and replay compares the bytes. The unique (stream_id, stream_seq) constraint is also the index
 * that keyset paging of a stream reads; a second index on the same columns would only slow appends.
 * On SQLite `seq INTEGER PRIMARY KEY` is the rowid itself (no separate primary-key index).
 */
export class CreateEvents1767225600000 implements MigrationInterface {
  readonly name = 'CreateEvents1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = migrationDialect(queryRunner);
    const int64 = int64Type(dialect);
    await queryRunner.query(`CREATE TABLE events (
      seq ${int64} NOT NULL,
      event_id TEXT NOT NULL,
      stream_id TEXT NOT NULL,
      stream_seq INTEGER NOT NULL,
      type TEXT NOT NULL,
      version INTEGER NOT NULL,
      ts_event ${int64} NOT NULL,
      correlation_id TEXT NOT NULL,
      causation_id TEXT NULL,
      payload TEXT NOT NULL,
      recorded_at ${int64} NOT NULL,
      CONSTRAINT pk_events PRIMARY KEY (seq),
      CONSTRAINT uq_events_event_id UNIQUE (event_id),
      CONSTRAINT uq_events_stream_seq UNIQUE (stream_id, stream_seq)
    )${tableOptions(dialect)}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE events`);
  }
}
