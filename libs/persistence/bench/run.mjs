// Transpiles libs/persistence (sources + this bench) with @swc/core, the compiler the tests use,
// into bench/.build/ (inside the repo so node_modules resolve), then runs the append benchmark.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import swc from '@swc/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench', '.build');
rmSync(out, { recursive: true, force: true });

const sources = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '.build' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });

for (const file of [...sources(join(root, 'src')), ...sources(join(root, 'bench'))]) {
  const { code } = swc.transformFileSync(file, {
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'es6' },
  });
  const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code);
}
try {
  await import(pathToFileURL(join(out, 'bench', 'event-append.bench.js')).href);
} finally {
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
}
