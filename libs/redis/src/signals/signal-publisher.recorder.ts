import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MessageBus, Stage, type EventEnvelope } from '@lib/kernel';
import { SizingDecidedEvent } from '@lib/model';
import { SIGNAL_PUBLISHER, toNumber, type SignalMessage, type SignalPublisher } from './signal-publisher.js';

/**
 * Publishes every sizing decision as a signal, after every trading handler (Stage.RECORDER).
 * Publishing is fire-and-forget; a failure is logged and never reaches trading.
 */
@Injectable()
export class SignalPublisherRecorder implements OnModuleInit {
  private readonly logger = new Logger(SignalPublisherRecorder.name);

  constructor(
    private readonly bus: MessageBus,
    @Inject(SIGNAL_PUBLISHER) private readonly publisher: SignalPublisher,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(SizingDecidedEvent, Stage.RECORDER, 'signal-publisher', (e, envelope) => {
      try {
        this.publisher.publish(signalMessageOf(e, envelope));
      } catch (err) {
        this.logger.warn(`signal not published: ${(err as Error).message}`);
      }
    });
  }
}

/** The wire message of a sizing decision. */
export function signalMessageOf(e: SizingDecidedEvent, envelope: Pick<EventEnvelope, 'streamId'>): SignalMessage {
  return {
    v: 1,
    streamId: envelope.streamId,
    instrumentId: e.instrumentId,
    strategyId: e.strategyId,
    tsEvent: e.tsEvent,
    prediction: toNumber(e.prediction),
    signal: toNumber(e.signal) ?? 0,
    confidence: toNumber(e.confidence) ?? 0,
    tier: e.tier,
    regime: e.regime,
    targetFraction: toNumber(e.finalFraction) ?? 0,
  };
}
