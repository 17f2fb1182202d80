import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './trader-process.js';

/** The Debian package's binary (`apt-get install -y --no-install-recommends prometheus`); never the system service. */
export const PROMETHEUS_BIN = process.env.TM_PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface PrometheusSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface PrometheusProcess {
  readonly baseUrl: string;
  /** Instant query; the vector's samples (empty while nothing matches). */
  query(promql: string): Promise<PrometheusSample[]>;
  /** Every metric name Prometheus has ingested. */
  metricNames(): Promise<string[]>;
  readonly output: () => string;
  stop(): Promise<void>;
}

interface ApiResponse<T> {
  readonly status: 'success' | 'error';
  readonly data: T;
  readonly error?: string;
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as ApiResponse<T>;
  if (body.status !== 'success') throw new Error(`prometheus ${url}: ${body.error ?? res.status}`);
  return body.data;
}

/**
 * Starts a private Prometheus on a free 127.0.0.1 port with a temporary TSDB, scraping `targets`
 * (host:port, path /metrics) every second as job `trader`, and waits until it is ready.
 */
export async function startPrometheus(targets: readonly string[], options: { scrapeInterval?: string } = {}): Promise<PrometheusProcess> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing: apt-get install -y --no-install-recommends prometheus`);
  const dir = mkdtempSync(join(tmpdir(), 'tm-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  const interval = options.scrapeInterval ?? '1s';
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  scrape_timeout: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      '  - job_name: trader',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--storage.tsdb.retention.time=1h'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`prometheus exited with ${child.exitCode}:\n${out}`);
    }
    try {
      if ((await fetch(`${baseUrl}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    output: () => out,
    stop,
    query: async (promql) => {
      const data = await api<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`${baseUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    metricNames: () => api<string[]>(`${baseUrl}/api/v1/label/__name__/values`),
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes; the last error explains a timeout. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
