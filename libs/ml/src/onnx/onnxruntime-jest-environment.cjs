/**
 * Jest environment for specs that run onnxruntime-node.
 *
 * Jest evaluates modules in a vm context with its own Float32Array etc., while the native
 * onnxruntime binding creates output arrays in Node's main realm; onnxruntime-common (loaded inside
 * the context) then rejects them with "A float32 tensor's data must be type of function
 * Float32Array()". jest-environment-node already shares ArrayBuffer and Uint8Array with the main
 * realm for the same reason; this does the same for the other typed arrays.
 *
 * Use it with a docblock at the top of the spec:
 *   /** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs *\/
 * (the path is relative to the Jest rootDir). Production code needs nothing of this.
 */
'use strict';
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint8ClampedArray',
  'Uint16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'DataView',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
module.exports.default = OnnxRuntimeEnvironment;
module.exports.TestEnvironment = OnnxRuntimeEnvironment;
