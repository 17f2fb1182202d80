import type { DataSource } from 'typeorm';
import type { RunRecord } from '@lib/kernel';
import { openDataSource } from '../data-source/data-source.factory.js';
import { RunAlreadyExistsError, RunNotFoundError } from '../sql/persistence.errors.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../testing/test-databases.js';
import { SqlRunRepository } from './sql-run-repository.js';

function run(runId: string, startedAt: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    mode: 'backtest',
    strategy: 'ema-cross',
    status: 'RUNNING',
    startedAt,
    finishedAt: null,
    config: { instruments: ['BTCUSDT-PERP.BYBIT'], risk: { maxNotional: '100000.00', nested: [1, 2.5, null, true] } },
    summary: null,
    finalState: null,
    stateHash: null,
    eventStreamHash: null,
    error: null,
    ...overrides,
  };
}

describe.each(BACKENDS)('SqlRunRepository on %s', (backend) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let runs: SqlRunRepository;

  beforeAll(async () => {
    db = createTestDatabase(backend);
    dataSource = await openDataSource(db.url);
    runs = new SqlRunRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('creates and gets a run, JSON columns parsed back to objects', async () => {
    const record = run('run-1', 1_704_067_200_123);
    await runs.create(record);
    expect(await runs.get('run-1')).toEqual(record);
    expect(await runs.get('missing')).toBeNull();
  });

  it('refuses a second run with the same id', async () => {
    await runs.create(run('run-dup', 1));
    await expect(runs.create(run('run-dup', 2))).rejects.toBeInstanceOf(RunAlreadyExistsError);
    expect((await runs.get('run-dup'))!.startedAt).toBe(1);
  });

  it('updates only the patched fields', async () => {
    await runs.create(run('run-2', 1_704_067_200_000));
    const summary = { finalEquity: '101234.56 USDT', trades: 42, sharpe: 1.25 };
    await runs.update('run-2', {
      status: 'COMPLETED',
      finishedAt: 1_704_067_260_000,
      summary,
      finalState: '{"positions":[]}',
      stateHash: 'ab'.repeat(32),
      eventStreamHash: 'cd'.repeat(32),
    });
    expect(await runs.get('run-2')).toEqual(
      run('run-2', 1_704_067_200_000, {
        status: 'COMPLETED',
        finishedAt: 1_704_067_260_000,
        summary,
        finalState: '{"positions":[]}',
        stateHash: 'ab'.repeat(32),
        eventStreamHash: 'cd'.repeat(32),
      }),
    );
    await runs.update('run-2', { summary: null, error: 'boom' });
    const after = await runs.get('run-2');
    expect(after!.summary).toBeNull();
    expect(after!.error).toBe('boom');
    expect(after!.status).toBe('COMPLETED');
  });

  it('fails to update a run that does not exist', async () => {
    await expect(runs.update('ghost', { status: 'FAILED' })).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(runs.update('ghost', {})).rejects.toBeInstanceOf(RunNotFoundError);
    await runs.create(run('run-empty-patch', 5));
    await expect(runs.update('run-empty-patch', {})).resolves.toBeUndefined();
  });

  it('lists most recent first, paged', async () => {
    const base = 1_800_000_000_000;
    for (const [id, offset] of [['list-a', 1], ['list-b', 3], ['list-c', 2], ['list-d', 3]] as const) await runs.create(run(id, base + offset));
    const firstPage = await runs.list(3, 0);
    expect(firstPage.map((r) => r.runId)).toEqual(['list-d', 'list-b', 'list-c']);
    const secondPage = await runs.list(3, 3);
    expect(secondPage[0]!.runId).toBe('list-a');
    expect((await runs.list(100, 0)).length).toBe((await runs.list(1000, 0)).length);
  });
});
