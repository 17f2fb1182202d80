export * from './config.schema.js';
export * from './defaults.js';
export * from './load-config.js';
