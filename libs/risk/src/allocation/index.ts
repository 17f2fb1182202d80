export * from './hraa.js';
