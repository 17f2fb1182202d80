import type { EventEnvelope } from '@lib/kernel';

/** Payloads whose exact bytes a JSON column would not keep: key order, spacing, number spelling, escapes. */
export const AWKWARD_PAYLOADS: readonly string[] = [
  '{"b":1,"a":2}',
  '{ "price" : "42123.50000000",\n\t"qty":1.000000000000000000001 }',
  '{"big":12345678901234567890123,"exp":1E+2,"neg":-0}',
  '{"text":"caf\u00e9 \u2013 \ud83d\ude80","escaped":"\\u00e9\\n\\u0000","quote":"\\""}',
  '{"dup":1,"dup":2}',
  '[]',
  '{}',
];

/** `count` events of one stream starting at `fromStreamSeq`, with global seqs from `firstSeq`. */
export function streamEvents(streamId: string, fromStreamSeq: number, count: number, firstSeq: number): EventEnvelope[] {
  return Array.from({ length: count }, (_, i) => {
    const streamSeq = fromStreamSeq + i;
    return {
      seq: firstSeq + i,
      eventId: `${streamId}:${streamSeq}`,
      streamId,
      streamSeq,
      type: 'order.filled',
      version: 1,
      tsEvent: 1_704_067_200_000 + streamSeq * 60_000,
      correlationId: `${streamId}:1`,
      causationId: streamSeq === 1 ? null : `${streamId}:${streamSeq - 1}`,
      payload: `{"clientOrderId":"O-${streamSeq}","lastPx":"42123.50000000"}`,
    };
  });
}
