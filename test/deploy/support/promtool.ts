import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** promtool from Debian's `prometheus` package (the CI installs it); PROMTOOL overrides the path. */
export const PROMTOOL = process.env.PROMTOOL ?? (existsSync('/usr/bin/promtool') ? '/usr/bin/promtool' : 'promtool');

export interface PromtoolRun {
  readonly status: number | null;
  readonly output: string;
}

export function promtool(args: string[], cwd?: string): PromtoolRun {
  const run = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw new Error(`PROMTOOL.UNAVAILABLE: cannot run ${PROMTOOL} (apt-get install -y --no-install-recommends prometheus): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
