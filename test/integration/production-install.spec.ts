import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../support/trader-process.js';

/**
 * What the Docker image's prod-deps stage does, on this machine and without Docker: the repo's
 * installed node_modules (hard-linked, so this takes seconds), `npm prune --omit=dev
 * --omit=optional` offline, then scripts/prune-runtime.mjs; then the built trader must start from
 * that tree alone, serve its probes and API docs, and stop cleanly on SIGTERM.
 *
 * The hard links are shared with the repo's own node_modules: deleting (unlinking) a file in the
 * copy leaves the original alone, writing into one in place would not. npm rewrites
 * node_modules/.package-lock.json in place, so that one file is copied instead of linked; every
 * original file's size and mtime are compared before and after to prove nothing else was written.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join('dist', 'apps', 'trader', 'src', 'main.js');
const run = promisify(execFile);
const MB = 1_000_000;
/** README: image ≤ 500 MB; the slim Node base is ~200 MB of it. */
const MAX_NODE_MODULES_BYTES = 450 * MB;

/** The `npm prune` flags of the Dockerfile's prod-deps stage: the test runs what the image runs. */
function dockerfilePruneFlags(): string[] {
  const match = /RUN npm prune ((?:--[a-z=-]+ ?)+)/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  if (!match) throw new Error('Dockerfile: no `RUN npm prune …` in the prod-deps stage');
  const flags = match[1]!.trim().split(/\s+/);
  expect(flags).toEqual(expect.arrayContaining(['--omit=dev', '--offline']));
  return flags;
}

/** .dockerignore semantics for the patterns we use: last match wins, `!` re-includes, a matched directory excludes its contents. */
function dockerignored(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const source = pattern
      .split(/(\*\*\/?|\*|\?)/)
      .map((part) => (part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) ignored = !negate;
  }
  return ignored;
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(path, base);
    return [path.slice(base.length + 1)];
  });
}

interface FileFingerprint {
  readonly size: number;
  readonly mtimeMs: number;
}

function fingerprints(dir: string, into = new Map<string, FileFingerprint>()): Map<string, FileFingerprint> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Tools of other processes may write their caches there; those are not files npm or we could share.
    if (entry.isDirectory() && entry.name !== '.cache') fingerprints(path, into);
    else if (entry.isFile()) {
      const stat = lstatSync(path);
      into.set(path, { size: stat.size, mtimeMs: stat.mtimeMs });
    }
  }
  return into;
}

async function duBytes(path: string): Promise<number> {
  const { stdout } = await run('du', ['-sb', path]);
  return Number(stdout.split('\t')[0]);
}

/** Replaces a hard link with a private copy, so writes to it cannot reach the original. */
function unshare(path: string): void {
  const bytes = readFileSync(path);
  unlinkSync(path);
  writeFileSync(path, bytes);
}

describe('production install: pruned node_modules runs the trader', () => {
  let dir: string;
  const originalModules = join(ROOT, 'node_modules');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-prod-install-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prunes offline to production packages for linux/x64, stays under budget, and starts, serves and stops', async () => {
    // Module resolution walks up from dist/: nothing above the temp dir may supply a package.
    for (let up = dirname(dir); up !== dirname(up); up = dirname(up)) expect(existsSync(join(up, 'node_modules'))).toBe(false);

    const t0 = Date.now();
    const steps: string[] = [];
    const step = (name: string) => steps.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(ROOT, file), join(dir, file));
    // Copy dist/ under the build lock so a concurrent `npm run build` cannot hand us half a tree.
    await run('flock', ['-w', '300', '/tmp/tm-build.lock', 'cp', '-a', join(ROOT, 'dist'), join(dir, 'dist')]).catch(() => undefined);
    if (!existsSync(join(dir, MAIN))) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
    await run('cp', ['-a', join(ROOT, 'config'), join(dir, 'config')]);
    const linked = spawnSync('cp', ['-al', originalModules, join(dir, 'node_modules')]);
    if (linked.status !== 0) {
      // Another filesystem (no hard links across devices): a plain copy is slower but equivalent.
      rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
      await run('cp', ['-a', originalModules, join(dir, 'node_modules')], { maxBuffer: 1 << 20 });
    }
    step('copied');
    const hiddenLockfile = join(dir, 'node_modules', '.package-lock.json');
    if (existsSync(hiddenLockfile)) unshare(hiddenLockfile);
    const before = fingerprints(originalModules);
    const fullBytes = await duBytes(originalModules);

    // Offline, with an empty cache and an unroutable registry: any download attempt fails the prune.
    const prune = spawnSync('npm', ['prune', ...dockerfilePruneFlags(), '--no-audit', '--no-fund'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: dir, npm_config_cache: join(dir, '.npm-cache'), npm_config_registry: 'http://127.0.0.1:9/', npm_config_update_notifier: 'false' },
      timeout: 180_000,
    });
    expect({ status: prune.status, stderr: prune.status === 0 ? '' : prune.stderr }).toEqual({ status: 0, stderr: '' });
    step('npm prune');
    const prunedBytes = await duBytes(join(dir, 'node_modules'));

    const script = spawnSync(process.execPath, [join(ROOT, 'scripts', 'prune-runtime.mjs'), join(dir, 'node_modules'), '--platform', 'linux', '--arch', 'x64', '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(script.status).toBe(0);
    const report = JSON.parse(script.stdout) as { before: number; after: number; removed: Record<string, number> };
    step('prune-runtime');
    const finalBytes = await duBytes(join(dir, 'node_modules'));
    console.log(
      `node_modules: full ${(fullBytes / MB).toFixed(1)} MB → npm prune ${(prunedBytes / MB).toFixed(1)} MB → prune-runtime ${(finalBytes / MB).toFixed(1)} MB ` +
        `(script: ${report.before} → ${report.after} bytes; ${JSON.stringify(report.removed)})`,
    );

    const modules = join(dir, 'node_modules');
    for (const devOnly of ['jest', 'typescript', '@swc/core', '@swc/jest', 'tsc-alias', 'supertest', 'fast-check', 'kubernetes-models', '@nestjs/testing']) {
      expect({ devOnly, present: existsSync(join(modules, devOnly)) }).toEqual({ devOnly, present: false });
    }
    for (const runtime of ['@nestjs/core', '@aws-sdk/client-s3', 'better-sqlite3', 'onnxruntime-node', 'ccxt', 'pg', 'ioredis', 'pino']) {
      expect({ runtime, present: existsSync(join(modules, runtime, 'package.json')) }).toEqual({ runtime, present: true });
    }
    const onnxBin = join(modules, 'onnxruntime-node', 'bin');
    const platforms = readdirSync(onnxBin).flatMap((napi) => readdirSync(join(onnxBin, napi)).flatMap((os) => readdirSync(join(onnxBin, napi, os)).map((cpu) => `${napi}/${os}/${cpu}`)));
    expect(platforms.map((p) => p.replace(/^napi-v\d+\//, ''))).toEqual(['linux/x64']);
    expect(existsSync(join(onnxBin, platforms[0]!, 'libonnxruntime.so.1'))).toBe(true);
    expect(existsSync(join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    expect(report.after).toBeLessThan(report.before);
    expect(finalBytes).toBeLessThan(prunedBytes);
    expect(finalBytes).toBeLessThan(MAX_NODE_MODULES_BYTES);

    // The shared inodes were only unlinked, never written: every original file is as it was.
    const after = fingerprints(originalModules);
    const changed = [...before].filter(([path, f]) => {
      const now = after.get(path);
      return !now || now.size !== f.size || now.mtimeMs !== f.mtimeMs;
    });
    expect(changed.map(([path]) => path).slice(0, 10)).toEqual([]);
    expect(statSync(join(originalModules, 'jest', 'package.json')).isFile()).toBe(true);

    step('verified');
    // The trader, from the pruned tree only, as the image runs it.
    const port = await freePort();
    let output = '';
    const child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, NODE_ENV: 'production', TRADER_PORT: String(port), TRADER_HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'x.sqlite')}`, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`trader exited with ${child.exitCode}:\n${output}`);
        const live = await fetch(`${base}/health/live`).catch(() => null);
        if (live?.status === 200) break;
        if (Date.now() > deadline) throw new Error(`trader did not become live within 60 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      step('trader live');
      const docs = await fetch(`${base}/docs-json`);
      expect(docs.status).toBe(200);
      const spec = (await docs.json()) as { openapi?: string; paths?: Record<string, unknown> };
      expect(spec.openapi).toMatch(/^3\./);
      expect(Object.keys(spec.paths ?? {}).length).toBeGreaterThan(0);
      // The image's HEALTHCHECK script agrees.
      const health = spawnSync(process.execPath, [join(ROOT, 'docker', 'healthcheck.mjs')], { env: { PATH: process.env.PATH ?? '', TRADER_PORT: String(port) }, encoding: 'utf8', timeout: 10_000 });
      expect(health.status).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 30_000)))]);
    clearTimeout(timer);
    if (code === 'timeout') child.kill('SIGKILL');
    step('trader stopped');
    const unhealthy = spawnSync(process.execPath, [join(ROOT, 'docker', 'healthcheck.mjs')], { env: { PATH: process.env.PATH ?? '', TRADER_PORT: String(port) }, encoding: 'utf8', timeout: 10_000 });
    expect(unhealthy.status).toBe(1);
    console.log(`production install steps: ${steps.join(', ')}`);
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
  }, 300_000);

  it('builds the images from a context that holds every build input and nothing the images must not contain', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    // Everything the Dockerfile copies from the context, and every source tsc compiles, is in the context.
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc', 'config', 'libs', 'apps', 'scripts/prune-runtime.mjs', 'docker/healthcheck.mjs']));
    for (const path of copied) expect({ path, exists: existsSync(join(ROOT, path)), ignored: dockerignored(patterns, path) }).toEqual({ path, exists: true, ignored: false });
    const sources = ['apps', 'libs', 'config', 'bench'].flatMap((d) => filesUnder(join(ROOT, d), ROOT)).filter((p) => p.endsWith('.ts') && !p.endsWith('.spec.ts'));
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.filter((p) => dockerignored(patterns, p))).toEqual([]);
    expect(dockerignored(patterns, 'config/instruments.json')).toBe(false);
    for (const path of ['node_modules', 'libs/ml/node_modules/x', 'dist/apps/trader/src/main.js', 'var/artifacts/models/m/a.onnx', 'out/summary.json', 'reports/r/report.html', '.git/HEAD', 'test/support/fake-s3.ts', 'libs/ml/src/registry/model-registry.spec.ts', '.env', 'x.sqlite']) {
      expect({ path, ignored: dockerignored(patterns, path) }).toEqual({ path, ignored: true });
    }

    // Runtime stage: slim Node 20, non-root 10001, production env, liveness healthcheck, port 3000.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^\nFROM \$\{NODE_RUNTIME_IMAGE\} AS runtime/);
    expect(dockerfile).toMatch(/ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim/);
    expect(runtime).toMatch(/^USER 10001:10001$/m);
    expect(runtime).toMatch(/NODE_ENV=production/);
    expect(runtime).toMatch(/^EXPOSE 3000$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*docker\/healthcheck\.mjs/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/apps\/trader\/src\/main\.js"\]$/m);
    expect(runtime).not.toMatch(/^COPY (?!--from)(?:--\S+ )*(?:\.|libs|apps|test|models|var)\b/m);

    // The model image gets only *.onnx files from the artifact tree.
    const modelPatterns = readFileSync(join(ROOT, 'docker', 'models.Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(dockerignored(modelPatterns, 'var/artifacts/models/signal-BTCUSDT-PERP/abc.onnx')).toBe(false);
    for (const path of ['var/artifacts/.tmp/x.part', 'var/artifacts/datasets/d.csv', 'node_modules/x/index.js', 'dist/apps/trader/src/main.js', '.env']) {
      expect({ path, ignored: dockerignored(modelPatterns, path) }).toEqual({ path, ignored: true });
    }
  });
});
