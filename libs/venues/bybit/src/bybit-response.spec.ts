import { BybitHistoryError } from './bybit-errors.js';
import { bybitRetInfo, parseFundingResponse, parseKlineResponse } from './bybit-response.js';

const ok = (list: unknown[]) => ({ retCode: 0, retMsg: 'OK', result: { category: 'linear', symbol: 'BTCUSDT', list }, retExtInfo: {}, time: 1 });

describe('Bybit v5 responses', () => {
  it('keeps kline prices as the exchange printed them', () => {
    const rows = parseKlineResponse(ok([['1704067200000', '42313.9', '42500', '42280.1', '42450.00', '1234.567', '52000000.1']]), 'BTCUSDT');
    expect(rows).toEqual([{ ts: 1704067200000, open: '42313.9', high: '42500', low: '42280.1', close: '42450.00', volume: '1234.567' }]);
  });

  it('rejects a price that is not a decimal string (a float must never sneak in)', () => {
    const parse = () => parseKlineResponse(ok([['1704067200000', 42313.9, '42500', '42280.1', '42450', '1']]), 'BTCUSDT');
    expect(parse).toThrow(BybitHistoryError);
    expect(parse).toThrow('BTCUSDT: unexpected Bybit response: list[0].open 42313.9 is not a decimal string');
    expect(() => parseKlineResponse(ok([['1704067200000', '1e3', '1', '1', '1', '1']]), 'BTCUSDT')).toThrow('is not a decimal string');
    expect(() => parseKlineResponse({ retCode: 0, result: {} }, 'BTCUSDT')).toThrow('no result.list array');
  });

  it('parses funding history entries, negative rates included', () => {
    const rows = parseFundingResponse(ok([{ symbol: 'BTCUSDT', fundingRate: '-0.00012', fundingRateTimestamp: '1704096000000' }]), 'BTCUSDT');
    expect(rows).toEqual([{ ts: 1704096000000, rate: '-0.00012' }]);
    expect(() => parseFundingResponse(ok([{ symbol: 'ETHUSDT', fundingRate: '0.0001', fundingRateTimestamp: '1' }]), 'BTCUSDT')).toThrow('is for ETHUSDT');
  });

  it("extracts retCode and retMsg from a ccxt error message", () => {
    expect(bybitRetInfo('bybit {"retCode":10001,"retMsg":"params error","result":{}}')).toEqual({ retCode: '10001', retMsg: 'params error' });
    expect(bybitRetInfo('bybit GET http://x 500 Internal Server Error')).toBeNull();
  });
});
