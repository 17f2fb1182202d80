export * from './forward-return.labels.js';
