import { EventEntity } from './event.entity.js';
import { BarEntity, FundingRateEntity } from './market-data.entity.js';
import { ModelStageHistoryEntity, ModelVersionEntity, RegisteredModelEntity } from './model-registry.entity.js';
import { RunEntity } from './run.entity.js';

/** Registered on every DataSource so `dataSource.getRepository(RunEntity)` works; the schema comes from migrations. */
export const PERSISTENCE_ENTITIES = [EventEntity, RunEntity, BarEntity, FundingRateEntity, RegisteredModelEntity, ModelVersionEntity, ModelStageHistoryEntity];
