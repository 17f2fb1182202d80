export * from './model-load-error.js';
export * from './onnx-metadata.js';
export * from './tree-ensemble-onnx-export.js';
export * from './onnx-tree-model.js';
export * from './inference-latency.js';
export * from './synthetic-ensemble.js';
export * from './parity-rows.js';
export * from './onnx-proto.js';
