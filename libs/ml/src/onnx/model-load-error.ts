import { readFile } from 'node:fs/promises';

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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The bytes of a model and the path they came from: a path is read (MODEL.MISSING when there is
 * no file, MODEL.UNREADABLE when it cannot be read), bytes are taken as they are.
 */
export async function readModelBytes(source: Uint8Array | string): Promise<{ bytes: Uint8Array; path: string | undefined }> {
  if (typeof source !== 'string') return { bytes: source, path: undefined };
  try {
    return { bytes: await readFile(source), path: source };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    throw new ModelLoadError(missing ? 'MODEL.MISSING' : 'MODEL.UNREADABLE', missing ? 'no model file' : `cannot read the model file: ${describe(error)}`, source, { cause: error });
  }
}

/** Runs a model's own inspection; anything but a ModelLoadError becomes MODEL.CORRUPT. */
export function inspectModel<T>(inspect: () => T, path: string | undefined): T {
  try {
    return inspect();
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError('MODEL.CORRUPT', `unreadable model: ${describe(error)}`, path, { cause: error });
  }
}
