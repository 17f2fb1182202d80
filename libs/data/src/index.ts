export * from './validation/bar-candidate.js';
export * from './validation/bar-validator.js';
export * from './csv/market-data-csv.js';
export * from './instruments/symbol-map.js';
export * from './engine/data-engine.js';
export * from './feed/backtest-feed.js';
export * from './catalog/catalog-importer.js';
export * from './data.module.js';
