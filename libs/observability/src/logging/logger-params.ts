import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type LevelWithSilent, type LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { Params } from 'nestjs-pino';
import { currentLogContext } from './log-context.js';
import { maskingDestination, secretsFromEnv } from './secret-masking.js';

export const CORRELATION_HEADER = 'x-correlation-id';
/** An incoming id is honoured only if it is short and plain: it is echoed and logged verbatim. */
const VALID_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface JsonLoggingOptions {
  /** The `service` field on every line (config.logging.service; a Loki label). */
  readonly service: string;
  readonly level: LevelWithSilent;
  /** Where secrets come from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where lines go (default stdout); tests pass a collector. */
  readonly out?: { write(chunk: string): unknown };
}

/**
 * Key paths whose values are secrets wherever they appear in a logged object (request headers,
 * configuration dumps, error details). Connection URLs keep their host and lose only the password.
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'secretAccessKey',
  '*.secretAccessKey',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'apiKeys[*].key',
  '*.apiKeys[*].key',
  'databaseUrl',
  '*.databaseUrl',
  'url',
  '*.url',
  'redis.url',
  '*.redis.url',
];

const URL_KEYS = new Set(['databaseUrl', 'url']);

/** Masks the password of a connection URL; every other redacted value becomes `***`. */
function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1] ?? '';
  if (URL_KEYS.has(key)) return typeof value === 'string' ? value.replace(/\/\/([^:@/]*):([^@/]+)@/, '//$1:***@') : value;
  return '***';
}

/** Nest's own per-context start-up chatter, repeated for every backtest context: not worth a line each. */
const QUIET_CONTEXTS = new Set(['InstanceLoader']);

/** The pino options shared by the HTTP app and anything else logging JSON. */
export function pinoOptions(options: JsonLoggingOptions): LoggerOptions {
  return {
    level: options.level,
    base: { service: options.service, pid: process.pid },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor },
    mixin: () => ({ ...currentLogContext() }),
    hooks: {
      logMethod(args, method, level) {
        const first = args[0] as unknown;
        if (level <= 30 && typeof first === 'object' && first !== null && QUIET_CONTEXTS.has(String((first as { context?: unknown }).context)) && options.level !== 'debug' && options.level !== 'trace') return;
        method.apply(this, args);
      },
    },
  };
}

/** nestjs-pino LoggerModule parameters: JSON lines, request correlation ids, redaction and the secret net. */
export function jsonLoggerParams(options: JsonLoggingOptions): Params {
  const destination: DestinationStream = maskingDestination(secretsFromEnv(options.env ?? process.env), options.out ?? process.stdout);
  const http: PinoHttpOptions<IncomingMessage, ServerResponse> = {
    ...pinoOptions(options),
    genReqId: (req, res) => {
      const header = req.headers[CORRELATION_HEADER];
      const given = Array.isArray(header) ? header[0] : header;
      const id = given && VALID_CORRELATION_ID.test(given) ? given : randomUUID();
      res.setHeader(CORRELATION_HEADER, id);
      return id;
    },
    customAttributeKeys: { reqId: 'correlationId' },
    quietReqLogger: true,
    customProps: () => ({ context: 'HTTP' }),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // Probes and scrapes arrive every few seconds: logging each would drown everything else.
    autoLogging: { ignore: (req) => /^\/(health\/|metrics)/.test(req.url ?? '') },
  };
  return { pinoHttp: [http, destination], renameContext: 'context' };
}
