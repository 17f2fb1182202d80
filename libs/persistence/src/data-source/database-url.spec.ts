import { databaseUrlFromEnv, DatabaseUrlError, DEFAULT_DATABASE_URL, parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:var/trade-matrix.sqlite', { kind: 'sqlite', path: 'var/trade-matrix.sqlite' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['sqlite:///tmp/tm.sqlite', { kind: 'sqlite', path: '/tmp/tm.sqlite' }],
    ['sqlite:/abs/tm.sqlite', { kind: 'sqlite', path: '/abs/tm.sqlite' }],
    ['postgres://u:p@db:5432/tm', { kind: 'postgres', url: 'postgres://u:p@db:5432/tm', schema: null }],
    ['postgresql://u@db/tm?schema=trading', { kind: 'postgres', url: 'postgresql://u@db/tm', schema: 'trading' }],
    ['postgres://u@db/tm?sslmode=require&schema=tm_1', { kind: 'postgres', url: 'postgres://u@db/tm?sslmode=require', schema: 'tm_1' }],
  ])('%s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it.each([['mysql://db/tm'], ['sqlite:'], ['postgres://u@db/tm?schema=x;drop'], ['postgres://u@db/tm?schema='], ['not a url']])('refuses %s', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(DatabaseUrlError);
  });

  it('never puts the password in an error message', () => {
    expect(() => parseDatabaseUrl('postgres://trader:s3cret@db/tm?schema=1bad')).toThrow(/trader:\*\*\*@db/);
    expect(() => parseDatabaseUrl('postgres://trader:s3cret@db/tm?schema=1bad')).not.toThrow(/s3cret/);
    expect(redactDatabaseUrl('postgres://a:b@h/d')).toBe('postgres://a:***@h/d');
  });
});

describe('databaseUrlFromEnv', () => {
  it('uses DATABASE_URL when set, the embedded SQLite file otherwise', () => {
    expect(databaseUrlFromEnv({ DATABASE_URL: 'postgres://db/tm' })).toBe('postgres://db/tm');
    expect(databaseUrlFromEnv({})).toBe(DEFAULT_DATABASE_URL);
    expect(databaseUrlFromEnv({ DATABASE_URL: '  ' })).toBe(DEFAULT_DATABASE_URL);
    expect(DEFAULT_DATABASE_URL).toBe('sqlite:var/trade-matrix.sqlite');
  });
});
