#!/usr/bin/env node
// Shrinks a production node_modules tree (after `npm prune --omit=dev` or `npm ci --omit=dev`) to
// what the trader needs at run time on one platform:
//   - onnxruntime-node: the native binaries of the target platform/arch only (the package ships
//     darwin, linux and win32 builds: ~250 MB of the ~300 MB), no CUDA/TensorRT providers;
//   - better-sqlite3: the compiled addon only (no SQLite sources, no object files);
//   - source maps, TypeScript sources and declarations, tsbuildinfo;
//   - Markdown docs, and test/docs/example folders at a package root when the package's manifest
//     does not point into them.
// Licence files are kept. The script only deletes (unlink/rmdir): it never rewrites a file, so it is
// safe on a tree whose files are hard links shared with another tree.
//
// usage: node scripts/prune-runtime.mjs [node_modules dir] [--platform linux] [--arch x64] [--dry-run] [--json]
import { lstatSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const PLATFORMS = ['linux', 'darwin', 'win32'];
const ARCHES = ['x64', 'arm64', 'arm', 'ia32'];
const GPU_PROVIDER = /(^|[_-])(providers_cuda|providers_tensorrt|providers_rocm|providers_migraphx|providers_openvino|cudart|cublas|cudnn|nvinfer)/i;
const DROP_FILE = [/\.map$/, /\.tsbuildinfo$/, /\.d\.[cm]?ts$/, /\.d\.ts\.map$/];
const TS_SOURCE = /\.[cm]?ts$/;
const MARKDOWN = /\.(md|markdown)$/i;
const KEEP_NAME = /^(licen[cs]e|copying|notice|authors)/i;
const ROOT_JUNK_DIRS = ['test', 'tests', '__tests__', 'spec', 'docs', 'doc', 'example', 'examples', 'benchmark', 'benchmarks', '.github', 'coverage'];

export function parseArgs(argv) {
  const options = { dir: 'node_modules', platform: 'linux', arch: 'x64', dryRun: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--platform') options.platform = argv[++i];
    else if (arg === '--arch') options.arch = argv[++i];
    else if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else options.dir = arg;
  }
  if (!PLATFORMS.includes(options.platform)) throw new Error(`--platform must be one of ${PLATFORMS.join(', ')}, got ${options.platform}`);
  if (!ARCHES.includes(options.arch)) throw new Error(`--arch must be one of ${ARCHES.join(', ')}, got ${options.arch}`);
  return options;
}

/** Apparent size in bytes of a file or a tree (symlinks counted as themselves, not followed). */
export function treeBytes(path) {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of readdirSync(path)) total += treeBytes(join(path, name));
  return total;
}

export function pruneRuntime({ dir, platform, arch, dryRun = false }) {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
  const before = treeBytes(dir);
  const removed = { platformBinaries: 0, gpuProviders: 0, nativeBuild: 0, maps: 0, typescript: 0, docs: 0 };
  // In a dry run nothing disappears: remember what would, so nothing inside it is counted twice.
  const gone = [];
  const remove = (path, bucket) => {
    if (gone.some((p) => path === p || path.startsWith(p + sep))) return;
    if (dryRun) gone.push(path);
    const bytes = treeBytes(path);
    removed[bucket] += bytes;
    if (!dryRun) rmSync(path, { recursive: true, force: true });
  };

  for (const pkg of packageDirs(dir)) {
    const name = relative(dir, pkg).split(sep).filter((s) => s !== 'node_modules').join('/');
    if (basename(pkg) === 'onnxruntime-node' || name.endsWith('/onnxruntime-node')) pruneOnnxruntime(pkg, platform, arch, remove);
    if (basename(pkg) === 'better-sqlite3') pruneBetterSqlite(pkg, remove);
    pruneRootDirs(pkg, remove);
    pruneFiles(pkg, remove);
  }
  const after = dryRun ? before - Object.values(removed).reduce((a, b) => a + b, 0) : treeBytes(dir);
  return { dir, platform, arch, dryRun, before, after, removed };
}

/** Every installed package directory (scoped and nested included). */
function* packageDirs(nodeModules) {
  for (const entry of safeReaddir(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    if (!isRealDir(path)) continue;
    if (entry.startsWith('@')) {
      for (const scoped of safeReaddir(path)) {
        const pkg = join(path, scoped);
        if (isRealDir(pkg)) yield* withNested(pkg);
      }
    } else {
      yield* withNested(path);
    }
  }
}

function* withNested(pkg) {
  yield pkg;
  const nested = join(pkg, 'node_modules');
  if (isRealDir(nested)) yield* packageDirs(nested);
}

// bin/napi-v*/<platform>/<arch>: keep one; drop GPU execution providers everywhere.
function pruneOnnxruntime(pkg, platform, arch, remove) {
  const bin = join(pkg, 'bin');
  for (const napi of safeReaddir(bin)) {
    const napiDir = join(bin, napi);
    if (!isRealDir(napiDir)) continue;
    for (const os of safeReaddir(napiDir)) {
      const osDir = join(napiDir, os);
      if (os !== platform) {
        remove(osDir, 'platformBinaries');
        continue;
      }
      for (const cpu of safeReaddir(osDir)) {
        const cpuDir = join(osDir, cpu);
        if (cpu !== arch) {
          remove(cpuDir, 'platformBinaries');
          continue;
        }
        for (const file of safeReaddir(cpuDir)) if (GPU_PROVIDER.test(file)) remove(join(cpuDir, file), 'gpuProviders');
      }
    }
  }
}

/** The addon is build/Release/better_sqlite3.node; SQLite's sources and the object files only serve a rebuild. */
function pruneBetterSqlite(pkg, remove) {
  const addon = join(pkg, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(addon)) return; // a prebuilt-less layout we do not know: leave it alone
  for (const dir of ['deps', 'src']) if (existsSync(join(pkg, dir))) remove(join(pkg, dir), 'nativeBuild');
  for (const entry of safeReaddir(join(pkg, 'build'))) if (entry !== 'Release') remove(join(pkg, 'build', entry), 'nativeBuild');
  for (const entry of safeReaddir(join(pkg, 'build', 'Release'))) if (entry !== 'better_sqlite3.node') remove(join(pkg, 'build', 'Release', entry), 'nativeBuild');
}

/** Root test/docs/example folders, unless the manifest (main, exports, bin, files, …) names them. */
function pruneRootDirs(pkg, remove) {
  let manifest;
  try {
    manifest = readFileSync(join(pkg, 'package.json'), 'utf8');
  } catch {
    return;
  }
  for (const dir of ROOT_JUNK_DIRS) {
    const path = join(pkg, dir);
    if (!isRealDir(path)) continue;
    const referenced = new RegExp(`["'/](\\./)?${dir.replace('.', '\\.')}(/|["'])`).test(manifest.replace(/"(description|repository|homepage|bugs|directories)"\s*:\s*("[^"]*"|\{[^}]*\})/g, ''));
    if (!referenced) remove(path, 'docs');
  }
}

function pruneFiles(dir, remove) {
  for (const entry of safeReaddir(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) {
      if (entry === 'node_modules') continue; // nested packages get their own pass
      pruneFiles(path, remove);
      continue;
    }
    if (!stat.isFile()) continue;
    if (KEEP_NAME.test(entry)) continue;
    if (DROP_FILE.some((re) => re.test(entry))) remove(path, entry.endsWith('.map') ? 'maps' : 'typescript');
    else if (TS_SOURCE.test(entry) && hasJsSibling(dir, entry)) remove(path, 'typescript');
    else if (MARKDOWN.test(entry)) remove(path, 'docs');
  }
}

/** foo.ts next to foo.js (or .mjs/.cjs): a compiled package's source, never loaded by Node. */
function hasJsSibling(dir, entry) {
  const stem = entry.replace(TS_SOURCE, '');
  return ['.js', '.mjs', '.cjs'].some((ext) => existsSync(join(dir, stem + ext)));
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isRealDir(path) {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  return stat !== undefined && stat.isDirectory();
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`prune-runtime: ${err.message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log('usage: node scripts/prune-runtime.mjs [node_modules dir] [--platform linux|darwin|win32] [--arch x64|arm64] [--dry-run] [--json]');
    process.exit(0);
  }
  try {
    const result = pruneRuntime(options);
    if (options.json) {
      console.log(JSON.stringify(result));
    } else {
      const parts = Object.entries(result.removed).map(([k, v]) => `${k} ${mb(v)}`).join(', ');
      console.log(`prune-runtime ${options.platform}/${options.arch}${options.dryRun ? ' (dry run)' : ''}: ${result.dir} ${mb(result.before)} -> ${mb(result.after)} (before ${result.before} bytes, after ${result.after} bytes; removed ${parts})`);
    }
  } catch (err) {
    console.error(`prune-runtime: ${err.message}`);
    process.exit(1);
  }
}
