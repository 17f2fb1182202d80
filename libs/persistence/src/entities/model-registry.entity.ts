import { EntitySchema } from 'typeorm';
import { INT64_AS_NUMBER } from './int64.transformer.js';

/*
 * The model registry tables, for TypeORM queries (SqlModelRegistryStore itself writes through
 * the SqlGateway). JSON documents are text; SqlModelRegistryStore parses them.
 */

const STAGES = `'None', 'Staging', 'Production', 'Archived'`;

/** A row of `registered_models`: one per model name. */
export interface RegisteredModelRow {
  name: string;
  lastVersion: number;
  createdAt: number;
  updatedAt: number;
}

export const RegisteredModelEntity = new EntitySchema<RegisteredModelRow>({
  name: 'RegisteredModel',
  tableName: 'registered_models',
  columns: {
    name: { type: 'text', primary: true, primaryKeyConstraintName: 'pk_registered_models' },
    lastVersion: { name: 'last_version', type: 'integer' },
    createdAt: { name: 'created_at', type: 'bigint', transformer: INT64_AS_NUMBER },
    updatedAt: { name: 'updated_at', type: 'bigint', transformer: INT64_AS_NUMBER },
  },
});

/** A row of `model_versions`. */
export interface ModelVersionRow {
  name: string;
  version: number;
  kind: string;
  stage: string;
  params: string;
  metrics: string;
  dataFrom: number;
  dataTo: number;
  features: string;
  selectedFeatures: string;
  parentName: string | null;
  parentVersion: number | null;
  artifactUri: string;
  artifactSha256: string;
  artifactSize: number;
  promotable: number;
  gateReasons: string;
  tags: string;
  createdAt: number;
  updatedAt: number;
  stageChangedAt: number;
}

export const ModelVersionEntity = new EntitySchema<ModelVersionRow>({
  name: 'ModelVersion',
  tableName: 'model_versions',
  columns: {
    name: { type: 'text', primary: true, primaryKeyConstraintName: 'pk_model_versions' },
    version: { type: 'integer', primary: true, primaryKeyConstraintName: 'pk_model_versions' },
    kind: { type: 'text' },
    stage: { type: 'text' },
    params: { type: 'text' },
    metrics: { type: 'text' },
    dataFrom: { name: 'data_from', type: 'bigint', transformer: INT64_AS_NUMBER },
    dataTo: { name: 'data_to', type: 'bigint', transformer: INT64_AS_NUMBER },
    features: { type: 'text' },
    selectedFeatures: { name: 'selected_features', type: 'text' },
    parentName: { name: 'parent_name', type: 'text', nullable: true },
    parentVersion: { name: 'parent_version', type: 'integer', nullable: true },
    artifactUri: { name: 'artifact_uri', type: 'text' },
    artifactSha256: { name: 'artifact_sha256', type: 'text' },
    artifactSize: { name: 'artifact_size', type: 'bigint', transformer: INT64_AS_NUMBER },
    promotable: { type: 'integer' },
    gateReasons: { name: 'gate_reasons', type: 'text' },
    tags: { type: 'text' },
    createdAt: { name: 'created_at', type: 'bigint', transformer: INT64_AS_NUMBER },
    updatedAt: { name: 'updated_at', type: 'bigint', transformer: INT64_AS_NUMBER },
    stageChangedAt: { name: 'stage_changed_at', type: 'bigint', transformer: INT64_AS_NUMBER },
  },
  foreignKeys: [
    { name: 'fk_model_versions_name', target: 'RegisteredModel', columnNames: ['name'], referencedColumnNames: ['name'] },
    { name: 'fk_model_versions_parent', target: 'ModelVersion', columnNames: ['parent_name', 'parent_version'], referencedColumnNames: ['name', 'version'] },
  ],
  checks: [
    { name: 'ck_model_versions_version', expression: 'version >= 1' },
    { name: 'ck_model_versions_stage', expression: `stage IN (${STAGES})` },
    { name: 'ck_model_versions_promotable', expression: 'promotable IN (0, 1)' },
    { name: 'ck_model_versions_data_range', expression: 'data_from <= data_to' },
    { name: 'ck_model_versions_parent', expression: '(parent_name IS NULL) = (parent_version IS NULL)' },
  ],
  indices: [{ name: 'uq_model_versions_production', columns: ['name'], unique: true, where: `stage = 'Production'` }],
});

/** A row of `model_stage_history`: one per stage change, registration included. */
export interface ModelStageHistoryRow {
  seq: number;
  name: string;
  version: number;
  fromStage: string | null;
  toStage: string;
  action: string;
  reason: string;
  changedAt: number;
}

export const ModelStageHistoryEntity = new EntitySchema<ModelStageHistoryRow>({
  name: 'ModelStageHistory',
  tableName: 'model_stage_history',
  columns: {
    // Assigned by the database: the rowid on SQLite, an identity column on PostgreSQL
    // (EntitySchema cannot say "identity"; TypeORM's schema diff accepts it as a generated column).
    seq: { type: 'bigint', primary: true, primaryKeyConstraintName: 'pk_model_stage_history', generated: 'increment', transformer: INT64_AS_NUMBER },
    name: { type: 'text' },
    version: { type: 'integer' },
    fromStage: { name: 'from_stage', type: 'text', nullable: true },
    toStage: { name: 'to_stage', type: 'text' },
    action: { type: 'text' },
    reason: { type: 'text' },
    changedAt: { name: 'changed_at', type: 'bigint', transformer: INT64_AS_NUMBER },
  },
  foreignKeys: [{ name: 'fk_model_stage_history_version', target: 'ModelVersion', columnNames: ['name', 'version'], referencedColumnNames: ['name', 'version'] }],
  checks: [
    { name: 'ck_model_stage_history_from', expression: `from_stage IS NULL OR from_stage IN (${STAGES})` },
    { name: 'ck_model_stage_history_to', expression: `to_stage IN (${STAGES})` },
    { name: 'ck_model_stage_history_action', expression: `action IN ('register', 'stage', 'promote', 'archive', 'rollback')` },
  ],
  indices: [{ name: 'ix_model_stage_history_version', columns: ['name', 'version', 'seq'] }],
});
