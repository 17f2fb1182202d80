import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@config';
import { LocalArtifactStore, ModelRegistry, artifactsToKeep, pruneLocalModelArtifacts, type ModelRegistryStore } from '@lib/ml';
import { MODEL_REGISTRY_STORE, PersistenceModule } from '@lib/persistence';

const USAGE = `usage: npm run prune:models -- [--dry-run]
  Removes from TM_ARTIFACT_DIR the model files the registry (DATABASE_URL) no longer needs: keeps,
  per model, the Production version, the rollback target and the newest Staging version. Run before
  building the model image so it does not grow by a version a week.`;

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  @Module({ imports: [PersistenceModule.forRoot({ url: config.databaseUrl, timeSeries: false })] })
  class PruneModule {}
  const app = await NestFactory.createApplicationContext(PruneModule, { logger: ['error', 'warn'] });
  try {
    const registry = new ModelRegistry(app.get<ModelRegistryStore>(MODEL_REGISTRY_STORE));
    const store = new LocalArtifactStore(config.artifacts.dir);
    const report = await pruneLocalModelArtifacts(store, await artifactsToKeep(registry), { dryRun: values['dry-run'] === true });
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    for (const k of report.kept) console.log(`keep    ${k.reason.padEnd(14)} ${kb(k.size).padStart(10)}  ${k.uri}`);
    for (const r of report.removed) console.log(`${values['dry-run'] ? 'would rm' : 'removed '} ${''.padEnd(13)} ${kb(r.size).padStart(10)}  ${r.uri}`);
    const total = (xs: readonly { size: number }[]) => xs.reduce((a, x) => a + x.size, 0);
    console.log(`${report.kept.length} kept (${kb(total(report.kept))}), ${report.removed.length} ${values['dry-run'] ? 'to remove' : 'removed'} (${kb(total(report.removed))})`);
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`prune:models failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
