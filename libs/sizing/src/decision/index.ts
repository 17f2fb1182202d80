export * from './rolling-ic.js';
export * from './sizing-decision.js';
// latency.ts is left out on purpose: it pulls in @lib/regime (and through it @lib/ml / onnxruntime), which
// the sizing core does not need. The benchmark imports it by path: libs/sizing/src/decision/latency.js.
