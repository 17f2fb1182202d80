import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { RedisConnection, RedisSignalPublisher, SIGNALS_PATTERN, createSignalClient, type SignalMessage } from '@lib/redis';
import { startPrivateRedis, waitFor, type PrivateRedis } from '../support/redis-server.js';

const received: SignalMessage[] = [];

/** Another service of the platform, consuming the trader's signals over the Nest REDIS transport. */
@Controller()
class SignalsConsumerController {
  @EventPattern(SIGNALS_PATTERN)
  onSignal(@Payload() message: SignalMessage): void {
    received.push(message);
  }
}

@Module({ controllers: [SignalsConsumerController] })
class SignalsConsumerModule {}

function signal(instrumentId: string, tsEvent: number, targetFraction: number): SignalMessage {
  return {
    v: 1,
    streamId: 'live-1',
    instrumentId,
    strategyId: 'ml-signal',
    tsEvent,
    prediction: 0.0042,
    signal: 0.61,
    confidence: 0.73,
    tier: 'BLENDED',
    regime: 'Bull',
    targetFraction,
  };
}

async function subscribers(port: number): Promise<number> {
  const raw = new Redis({ port, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  raw.on('error', () => undefined);
  try {
    await raw.connect();
    const reply = (await raw.pubsub('NUMSUB', SIGNALS_PATTERN)) as [string, number];
    return Number(reply[1]);
  } catch {
    return 0;
  } finally {
    raw.disconnect();
  }
}

describe('SignalPublisher → a Nest REDIS microservice (private redis-server)', () => {
  let redis: PrivateRedis;
  let consumer: INestMicroservice;
  let connection: RedisConnection;
  let publisher: RedisSignalPublisher;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    consumer = await NestFactory.createMicroservice<MicroserviceOptions>(SignalsConsumerModule, {
      transport: Transport.REDIS,
      options: { host: '127.0.0.1', port: redis.port, retryAttempts: 1000, retryDelay: 100 },
      logger: false,
    });
    await consumer.listen();
    await waitFor('the consumer to subscribe', async () => (await subscribers(redis.port)) > 0);
    connection = new RedisConnection({ url: redis.url, maxRetryDelayMs: 100, heartbeatMs: 0 });
    await connection.connect();
    publisher = new RedisSignalPublisher(createSignalClient(redis.url), connection);
    publisher.start();
  });
  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await consumer.close();
    await redis.stop();
  });

  it('delivers every emitted signal, in order, to the @EventPattern handler', async () => {
    received.length = 0;
    const sent = [signal('BTCUSDT-PERP.BYBIT', 1_000, 0.25), signal('ETHUSDT-PERP.BYBIT', 1_000, -0.1), signal('BTCUSDT-PERP.BYBIT', 2_000, 0)];
    for (const s of sent) publisher.publish(s);
    await waitFor('three signals at the consumer', () => received.length === 3);
    expect(received).toEqual(sent);
    expect(publisher.stats).toMatchObject({ published: 3, dropped: 0, inFlight: 0 });
  });

  it('drops (and counts) signals while Redis is down without throwing or blocking, and delivers again once it is back', async () => {
    received.length = 0;
    await redis.stop();
    await waitFor('the connection to report down', () => !connection.isUp);
    const droppedBefore = publisher.stats.dropped;
    const started = Date.now();
    for (let i = 0; i < 50; i++) expect(() => publisher.publish(signal('SOLUSDT-PERP.BYBIT', 10_000 + i, 0.1))).not.toThrow();
    expect(Date.now() - started).toBeLessThan(100);
    expect(publisher.stats.dropped - droppedBefore).toBe(50);

    await redis.start();
    await waitFor('the connection to come back', () => connection.isUp);
    await waitFor('the consumer to resubscribe', async () => (await subscribers(redis.port)) > 0);
    const after = signal('SOLUSDT-PERP.BYBIT', 99_000, 0.3);
    // The transport client reconnects on its own schedule: keep emitting until one gets through.
    await waitFor('a signal after the outage', () => {
      if (received.length === 0) publisher.publish(after);
      return received.length > 0;
    });
    expect(received[0]).toEqual(after);
    expect(received.every((m) => m.tsEvent === 99_000)).toBe(true);
  });
});
