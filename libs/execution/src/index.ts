export * from './ports/execution-client.port.js';
export * from './engine/execution-engine.js';
export * from './commands/done.js';
export * from './execution.module.js';
