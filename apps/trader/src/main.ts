import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@config';
import { createTraderApp } from './bootstrap.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createTraderApp(config);
  await app.listen(config.http.port, config.http.host);
  Logger.log(`trader listening on http://${config.http.host}:${config.http.port} (docs at /docs, probes at /health/live and /health/ready, metrics at /metrics)`, 'Trader');
}

main().catch((err: unknown) => {
  console.error(`trader failed to start: ${(err as Error).message}`);
  process.exit(1);
});
