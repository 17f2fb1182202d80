import pino from 'pino';
import { MASK, maskingDestination, secretMasker, secretsFromEnv } from './secret-masking.js';
import { pinoOptions } from './logger-params.js';

const ENV = {
  TRADER_API_KEY: 'legacy-key-0123456789abcdef',
  TRADER_API_KEYS: 'ops:operate:op-key-with:colon-0123456789,ro:read:read-only-key-0123456789',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  DATABASE_URL: 'postgres://trader:p%40ss-w0rd-xyz@127.0.0.1:5432/test',
  REDIS_URL: 'redis://:redis-secret-42@127.0.0.1:6390/0',
};

describe('secret masking', () => {
  it('collects every secret value from the environment, keys with colons whole', () => {
    expect(secretsFromEnv(ENV)).toEqual(
      expect.arrayContaining(['legacy-key-0123456789abcdef', 'op-key-with:colon-0123456789', 'read-only-key-0123456789', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'p%40ss-w0rd-xyz', 'redis-secret-42']),
    );
  });

  it('masks raw, URL-decoded and JSON-escaped forms anywhere in a line', () => {
    const mask = secretMasker([...secretsFromEnv(ENV), 'quote"d-secret']);
    const line = JSON.stringify({ msg: 'connecting to postgres://trader:p@ss-w0rd-xyz@db with key legacy-key-0123456789abcdef', detail: 'quote"d-secret' });
    const masked = mask(line);
    expect(masked).not.toContain('p@ss-w0rd-xyz');
    expect(masked).not.toContain('legacy-key-0123456789abcdef');
    expect(masked).not.toContain('quote\\"d-secret');
    expect(masked).toContain(MASK);
    expect(() => JSON.parse(masked)).not.toThrow();
  });

  it('redacts secret paths and masks secret values in a pino line, which stays valid JSON', () => {
    const lines: string[] = [];
    const logger = pino(pinoOptions({ service: 'trader', level: 'info' }), maskingDestination(secretsFromEnv(ENV), { write: (l: string) => lines.push(l) }));
    logger.info(
      { req: { headers: { 'x-api-key': 'whatever-header-value', authorization: 'Bearer abc' } }, config: { databaseUrl: 'postgres://u:hunter2hunter2@h/db', apiKeys: [{ name: 'a', key: 'not-in-env-key-123' }] } },
      `boom: ${ENV.AWS_SECRET_ACCESS_KEY}`,
    );
    const entry = JSON.parse(lines[0]!) as Record<string, unknown> & { req: { headers: Record<string, string> }; config: { databaseUrl: string; apiKeys: Array<{ key: string }> } };
    expect(entry).toMatchObject({ service: 'trader', level: 'info', msg: `boom: ${MASK}` });
    expect(typeof entry.time).toBe('string');
    expect(entry.req.headers['x-api-key']).toBe('***');
    expect(entry.req.headers.authorization).toBe('***');
    expect(entry.config.databaseUrl).toBe('postgres://u:***@h/db');
    expect(entry.config.apiKeys[0]!.key).toBe('***');
  });
});
