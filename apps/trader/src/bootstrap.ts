import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { TraderConfig } from '@config';
import { TraderModule } from './trader.module.js';
import { TradingMetrics } from './metrics/trading-metrics.js';

/** Builds the trader HTTP app (used by main.ts and by the e2e tests). */
export async function createTraderApp(config: TraderConfig, options: { logger?: false | ('error' | 'warn' | 'log')[] } = {}): Promise<INestApplication> {
  TradingMetrics.shared();
  const app = await NestFactory.create(TraderModule.forConfig(config), { logger: options.logger ?? ['error', 'warn', 'log'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Trade-Matrix admin API')
      .setDescription('Runs, positions, orders, events, backtests and audit replay. Mutating endpoints need the x-api-key header.')
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
