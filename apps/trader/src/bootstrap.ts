import { Module, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { TraderConfig } from '@config';
import { TraderModule } from './trader.module.js';
import { Logger as JsonLogger } from 'nestjs-pino';
import { ObservabilityModule, TradingMetrics } from '@lib/observability';
import { API_DESCRIPTION, validationError } from './api/api-docs.js';

/** Builds the trader HTTP app (used by main.ts and by the e2e tests). */
export async function createTraderApp(config: TraderConfig, options: { logger?: false | ('error' | 'warn' | 'log')[] } = {}): Promise<INestApplication> {
  TradingMetrics.shared();
  // JSON lines on stdout (one per log, secrets masked) and tm_http_* metrics, around the trader module.
  const root = { module: TraderRootModule, imports: [ObservabilityModule.forRoot({ service: config.logging.service, level: logLevelOf(config, options.logger) }), TraderModule.forConfig(config)] };
  const app = await NestFactory.create(root, { bufferLogs: true });
  app.useLogger(app.get(JsonLogger));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: validationError }));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Trade-Matrix admin API')
      .setDescription(API_DESCRIPTION)
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header' }, 'api-key')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' }, 'bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

@Module({})
class TraderRootModule {}

/** The pino level: the config's, unless the caller narrows it (tests pass `false` to silence the app). */
function logLevelOf(config: TraderConfig, logger: false | ('error' | 'warn' | 'log')[] | undefined): TraderConfig['logging']['level'] | 'silent' {
  if (logger === false) return 'silent';
  if (logger === undefined || logger.includes('log')) return config.logging.level;
  return logger.includes('warn') ? 'warn' : 'error';
}
