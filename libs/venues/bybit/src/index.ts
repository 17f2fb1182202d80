export * from './bybit-errors.js';
export * from './bybit-markets.js';
export * from './bybit-response.js';
export * from './intervals.js';
export * from './paging.js';
export * from './bybit-history.client.js';
export * from './catalog-writer.js';
