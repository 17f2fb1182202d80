import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@config';
import { ReplayModule } from '../replay/replay.module.js';
import { ReplayService } from '../replay/replay.service.js';

/** `npm run replay -- --run <runId>`: one JSON line; exit 1 on a mismatch or a gap in the stream. */
async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { run: { type: 'string' } }, strict: true });
  if (!values.run) {
    console.error('usage: npm run replay -- --run <runId>   (store from DATABASE_URL)');
    return 2;
  }
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(ReplayModule.forStore(config.databaseUrl), { logger: ['error', 'warn'] });
  try {
    const result = await app.get(ReplayService).replay(values.run);
    console.log(JSON.stringify(result));
    return result.matches ? 0 : 1;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as Error & { code?: string };
    console.log(JSON.stringify({ runId: null, matches: false, error: e.message, code: e.code ?? 'REPLAY.FAILED' }));
    process.exit(1);
  },
);
