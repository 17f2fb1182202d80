import type { MigrationInterface, QueryRunner } from 'typeorm';
import { int64Type, tableOptions } from '../sql/sql-dialect.js';
import { migrationDialect } from './migration-dialect.js';

/**
 * The model registry (libs/ml registry): one row per model name holding the last version number
 * handed out (its row is also the lock that serializes every change of that name), one row per
 * model version, and the history of every stage change. JSON documents (params, metrics, feature
 * lists, gate reasons, tags) are TEXT, as in `runs`. Timestamps are wall-clock ms.
 * A partial unique index makes a second Production version of a name impossible, whatever the code does.
 */
export class CreateModelRegistry1767225600003 implements MigrationInterface {
  readonly name = 'CreateModelRegistry1767225600003';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = migrationDialect(queryRunner);
    const int64 = int64Type(dialect);
    const stages = `'None', 'Staging', 'Production', 'Archived'`;
    await queryRunner.query(`CREATE TABLE registered_models (
      name TEXT NOT NULL,
      last_version INTEGER NOT NULL,
      created_at ${int64} NOT NULL,
      updated_at ${int64} NOT NULL,
      CONSTRAINT pk_registered_models PRIMARY KEY (name)
    )${tableOptions(dialect, { withoutRowId: true })}`);
    await queryRunner.query(`CREATE TABLE model_versions (
      name TEXT NOT NULL,
      version INTEGER NOT NULL,
      kind TEXT NOT NULL,
      stage TEXT NOT NULL,
      params TEXT NOT NULL,
      metrics TEXT NOT NULL,
      data_from ${int64} NOT NULL,
      data_to ${int64} NOT NULL,
      features TEXT NOT NULL,
      selected_features TEXT NOT NULL,
      parent_name TEXT NULL,
      parent_version INTEGER NULL,
      artifact_uri TEXT NOT NULL,
      artifact_sha256 TEXT NOT NULL,
      artifact_size ${int64} NOT NULL,
      promotable INTEGER NOT NULL,
      gate_reasons TEXT NOT NULL,
      tags TEXT NOT NULL,
      created_at ${int64} NOT NULL,
      updated_at ${int64} NOT NULL,
      stage_changed_at ${int64} NOT NULL,
      CONSTRAINT pk_model_versions PRIMARY KEY (name, version),
      CONSTRAINT fk_model_versions_name FOREIGN KEY (name) REFERENCES registered_models (name),
      CONSTRAINT fk_model_versions_parent FOREIGN KEY (parent_name, parent_version) REFERENCES model_versions (name, version),
      CONSTRAINT ck_model_versions_version CHECK (version >= 1),
      CONSTRAINT ck_model_versions_stage CHECK (stage IN (${stages})),
      CONSTRAINT ck_model_versions_promotable CHECK (promotable IN (0, 1)),
      CONSTRAINT ck_model_versions_data_range CHECK (data_from <= data_to),
      CONSTRAINT ck_model_versions_parent CHECK ((parent_name IS NULL) = (parent_version IS NULL))
    )${tableOptions(dialect, { withoutRowId: true })}`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_model_versions_production ON model_versions (name) WHERE stage = 'Production'`);
    // On SQLite an INTEGER primary key is the rowid (assigned on insert); PostgreSQL needs an identity.
    const identity = dialect === 'postgres' ? ' GENERATED ALWAYS AS IDENTITY' : '';
    await queryRunner.query(`CREATE TABLE model_stage_history (
      seq ${int64}${identity} NOT NULL,
      name TEXT NOT NULL,
      version INTEGER NOT NULL,
      from_stage TEXT NULL,
      to_stage TEXT NOT NULL,
      action TEXT NOT NULL,
      reason TEXT NOT NULL,
      changed_at ${int64} NOT NULL,
      CONSTRAINT pk_model_stage_history PRIMARY KEY (seq),
      CONSTRAINT fk_model_stage_history_version FOREIGN KEY (name, version) REFERENCES model_versions (name, version),
      CONSTRAINT ck_model_stage_history_from CHECK (from_stage IS NULL OR from_stage IN (${stages})),
      CONSTRAINT ck_model_stage_history_to CHECK (to_stage IN (${stages})),
      CONSTRAINT ck_model_stage_history_action CHECK (action IN ('register', 'stage', 'promote', 'archive', 'rollback'))
    )${tableOptions(dialect)}`);
    // The history of a name or of one version (a name has few rows: sorting them by seq is cheap).
    await queryRunner.query(`CREATE INDEX ix_model_stage_history_version ON model_stage_history (name, version, seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE model_stage_history`);
    await queryRunner.query(`DROP TABLE model_versions`);
    await queryRunner.query(`DROP TABLE registered_models`);
  }
}
