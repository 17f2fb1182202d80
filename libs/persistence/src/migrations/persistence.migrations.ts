import type { MigrationInterface } from 'typeorm';
import { CreateEvents1767225600000 } from './1767225600000-create-events.migration.js';
import { CreateRuns1767225600001 } from './1767225600001-create-runs.migration.js';
import { CreateMarketData1767225600002 } from './1767225600002-create-market-data.migration.js';
import { CreateModelRegistry1767225600003 } from './1767225600003-create-model-registry.migration.js';
import { CreateDecisionsPredictionsSnapshots1767225600004 } from './1767225600004-create-decisions-predictions-snapshots.migration.js';
import { PartitionBars1767225600005 } from './1767225600005-partition-bars.migration.js';

/** Every schema change, oldest first. Append new migrations; never edit a released one. */
export const PERSISTENCE_MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [
  CreateEvents1767225600000,
  CreateRuns1767225600001,
  CreateMarketData1767225600002,
  CreateModelRegistry1767225600003,
  CreateDecisionsPredictionsSnapshots1767225600004,
  PartitionBars1767225600005,
];
