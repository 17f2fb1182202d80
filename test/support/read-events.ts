import { NestFactory } from '@nestjs/core';
import { EVENT_STORE, readStreamChecked, type EventEnvelope, type EventStore } from '@lib/kernel';
import { PersistenceModule } from '@lib/persistence';

/** Every event of a run, read back from the store with gap detection. */
export async function readRunEvents(databaseUrl: string, runId: string): Promise<EventEnvelope[]> {
  const app = await NestFactory.createApplicationContext(PersistenceModule.forRoot({ url: databaseUrl, timeSeries: false }), { logger: false });
  try {
    const out: EventEnvelope[] = [];
    for await (const e of readStreamChecked(app.get<EventStore>(EVENT_STORE), runId)) out.push(e);
    return out;
  } finally {
    await app.close();
  }
}
