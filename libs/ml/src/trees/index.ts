export * from './tree-ensemble.js';
export * from './feature-matrix.js';
export { binFeatures, quantileUpperEdges, MAX_BINS_LIMIT, type BinnedFeatures } from './feature-binning.js';
export { normaliseImportances, rankFeatures, type RankedFeature } from './feature-importance.js';
export { predictBatch, predictTreeAt } from './predict-batch.js';
export {
  GradientBoostedTrees,
  continueBoosting,
  DEFAULT_GRADIENT_BOOSTING_PARAMS,
  type GradientBoostingParams,
  type EarlyStoppingParams,
  type BoostingHistory,
  type GradientBoostingResult,
} from './gradient-boosted-trees.js';
export {
  RandomForestRegressor,
  resolveMaxFeatures,
  DEFAULT_RANDOM_FOREST_PARAMS,
  type RandomForestParams,
  type RandomForestResult,
  type MaxFeatures,
} from './random-forest.js';
