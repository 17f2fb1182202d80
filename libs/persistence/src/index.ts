export * from './data-source/database-url.js';
export { createDataSource, openDataSource, runMigrations } from './data-source/data-source.factory.js';
export { PERSISTENCE_MIGRATIONS } from './migrations/persistence.migrations.js';
export { PERSISTENCE_ENTITIES } from './entities/persistence.entities.js';
export { EventEntity, type EventRow } from './entities/event.entity.js';
export { RunEntity, type RunRow } from './entities/run.entity.js';
export {
  ModelStageHistoryEntity,
  ModelVersionEntity,
  RegisteredModelEntity,
  type ModelStageHistoryRow,
  type ModelVersionRow,
  type RegisteredModelRow,
} from './entities/model-registry.entity.js';
export { BarEntity, FundingRateEntity, type BarRow, type FundingRateRow } from './entities/market-data.entity.js';
export * from './sql/persistence.errors.js';
export { SqlEventStore } from './events/sql-event-store.js';
export { SqlBarRepository } from './catalog/sql-bar-repository.js';
export { SqlRunRepository } from './runs/sql-run-repository.js';
export { SqlModelRegistryStore } from './registry/sql-model-registry-store.js';
export { PersistenceModule, DATA_SOURCE, MODEL_REGISTRY_STORE, type PersistenceOptions } from './module/persistence.module.js';
export { observeDataSource, observerOf, GENERIC_OPERATION } from './sql/sql-gateway.js';
export { SqlDecisionRecordRepository, decisionRecordOf, type DecisionQuery } from './records/sql-decision-record-repository.js';
export { SqlPredictionRepository, type PredictionQuery } from './records/sql-prediction-repository.js';
export { SqlPortfolioSnapshotRepository } from './records/sql-portfolio-snapshot-repository.js';
export type { DecisionRecord, ModelPrediction, PortfolioSnapshot, SizingDecidedPayload } from './records/time-series-records.types.js';
export {
  PartitionManager,
  partitionManagerFor,
  detectTimescale,
  type MaintenanceReport,
  type TableStorage,
  type TimescaleAvailability,
  type TimeSeriesDetection,
} from './time-series/partition-manager.js';
export { TimeSeriesMaintenance, type TimeSeriesOptions } from './time-series/time-series-maintenance.js';
export { TIME_SERIES_TABLES, TIME_SERIES_TABLE_NAMES, type TimeSeriesPolicy, type TimeSeriesTable, type TimeSeriesTableSpec } from './time-series/time-series.tables.js';
export { timescaleStatements, CREATE_INTEGER_NOW_FUNCTION } from './time-series/timescale.sql.js';
