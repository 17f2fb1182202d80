import { RedisConnection } from './redis-connection.js';
import { parseRedisUrl, redactRedisUrl } from './redis-url.js';

describe('REDIS_URL', () => {
  it('parses host, port, password, user and db', () => {
    expect(parseRedisUrl('redis://:s3cr%40t@redis.internal:6380/2')).toEqual({ host: 'redis.internal', port: 6380, password: 's3cr@t', db: 2, tls: false });
    expect(parseRedisUrl('rediss://app:pw@h')).toEqual({ host: 'h', port: 6379, username: 'app', password: 'pw', db: 0, tls: true });
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, db: 0, tls: false });
  });

  it('rejects a bad URL with a code and without echoing the password', () => {
    expect(() => parseRedisUrl('http://:pw@h')).toThrow(expect.objectContaining({ code: 'REDIS.BAD_URL' }));
    let message = '';
    try {
      parseRedisUrl('redis://:hunter2@h:6379/notadb');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('database');
    expect(message).not.toContain('hunter2');
  });

  it('masks the password wherever the URL is shown', () => {
    expect(redactRedisUrl('redis://:hunter2@h:6379/0')).toBe('redis://:***@h:6379/0');
    expect(redactRedisUrl('redis://user:hunter2@h')).toBe('redis://user:***@h');
    const connection = new RedisConnection({ url: 'redis://:hunter2@127.0.0.1:1/0' });
    expect(connection.displayUrl).not.toContain('hunter2');
    connection.client.disconnect();
  });
});
