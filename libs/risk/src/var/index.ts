export * from './var.js';
export * from './portfolio-risk-model.js';
export * from './portfolio-risk.service.js';
