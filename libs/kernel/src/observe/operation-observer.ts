/**
 * How infrastructure adapters (SQL gateway, event store, Redis, artifact stores) report the
 * duration and outcome of each operation without depending on a metrics library. The trader
 * binds it to Prometheus histograms and error counters; tests and CLIs use the no-op.
 *
 * `operation` is a short, bounded name (`events.append`, `bars.insert`, `GET`, `artifacts.put`),
 * never something that varies per call such as a key or an id: it becomes a metric label.
 */
export interface OperationObserver {
  observe(operation: string, seconds: number, error?: unknown): void;
}

export const NO_OP_OBSERVER: OperationObserver = { observe: () => undefined };

/** Runs `work`, reporting its duration (and error, if it throws) to `observer`. */
export async function observed<T>(observer: OperationObserver, operation: string, work: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    const result = await work();
    observer.observe(operation, Number(process.hrtime.bigint() - start) / 1e9);
    return result;
  } catch (err) {
    observer.observe(operation, Number(process.hrtime.bigint() - start) / 1e9, err);
    throw err;
  }
}
