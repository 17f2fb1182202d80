/**
 * Why an ONNX model could not be loaded:
 * - MODEL.MISSING     no file at the path
 * - MODEL.UNREADABLE  the path exists but cannot be read as a file (directory, permissions, I/O)
 * - MODEL.CORRUPT     empty, truncated or garbage bytes; graph hash mismatch; onnxruntime refused it
 * - MODEL.METADATA    a valid ONNX model without (or with invalid) Trade-Matrix metadata
 * - MODEL.SHAPE       inputs/outputs do not match the metadata (input width, output [N, 1], ...)
 */
export type ModelLoadErrorCode = 'MODEL.MISSING' | 'MODEL.UNREADABLE' | 'MODEL.CORRUPT' | 'MODEL.METADATA' | 'MODEL.SHAPE';

export class ModelLoadError extends Error {
  constructor(
    readonly code: ModelLoadErrorCode,
    message: string,
    /** The path it was loaded from, when it came from a file. */
    readonly source?: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}${source ? ` (${source})` : ''}`, options);
    this.name = 'ModelLoadError';
  }
}

export function isModelLoadError(error: unknown): error is ModelLoadError {
  return error instanceof ModelLoadError;
}
