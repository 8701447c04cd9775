import { parseCheckRequest } from './check-request.js';
import { formatLocal, localDate } from '#app/calendar';

const TODAY = '2026-11-26';
const valid = {
  plateNumber: '苏N·A1234',
  expenseType: 'fuel',
  amount: '356.80',
  invoiceNo: '044001900111-00012345',
  expenseDate: '2026-11-20',
};

describe('payment gate request rules', () => {
  it('accepts the contract example and normalises plate and amount', () => {
    expect(parseCheckRequest({ ...valid, amount: '356.8' }, TODAY)).toEqual({
      ok: true,
      request: { ...valid, plateNormalized: '苏NA1234', amount: '356.80' },
    });
  });

  it.each([
    ['amount', '0.00'],
    ['amount', '.5'],
    ['amount', '01.00'],
    ['amount', '1,000.00'],
    ['amount', 10],
    ['expenseType', 'Fuel'],
    ['invoiceNo', ''],
    ['invoiceNo', '   '],
    ['invoiceNo', 'line\nbreak'],
    ['invoiceNo', 'x'.repeat(65)],
    ['expenseDate', '2026-11-27'],
    ['expenseDate', '2026-02-29'],
    ['expenseDate', '20261120'],
    ['plateNumber', ' · - '],
    ['plateNumber', 12345],
  ])('names %s when it is %p', (field, value) => {
    const result = parseCheckRequest({ ...valid, [field]: value }, TODAY);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toContain(field);
    }
  });

  it.each([['0.01'], ['9999999999.99'], ['12']])('accepts amount %s', (amount) => {
    expect(parseCheckRequest({ ...valid, amount }, TODAY).ok).toBe(true);
  });

  it('accepts today and a 64-character invoice number', () => {
    expect(parseCheckRequest({ ...valid, expenseDate: TODAY, invoiceNo: '9'.repeat(64) }, TODAY).ok).toBe(true);
  });

  it('names every missing field of a non-object body', () => {
    const result = parseCheckRequest('fuel', TODAY);
    expect(!result.ok && result.errors).toHaveLength(5);
  });
});

describe('policy-zone time', () => {
  it.each([
    ['2026-11-25T15:59:59Z', '2026-11-25', '2026-11-25T23:59:59+08:00'],
    ['2026-11-25T16:00:00Z', '2026-11-26', '2026-11-26T00:00:00+08:00'],
    ['2026-11-26T02:01:02.999Z', '2026-11-26', '2026-11-26T10:01:02+08:00'],
  ])('%s is local day %s, written %s', (instant, day, written) => {
    expect(localDate(new Date(instant), 'Asia/Shanghai')).toBe(day);
    expect(formatLocal(new Date(instant), 'Asia/Shanghai')).toBe(written);
  });

  it('writes a negative offset for a zone west of Greenwich', () => {
    expect(formatLocal(new Date('2026-07-01T12:00:00Z'), 'America/New_York')).toBe('2026-07-01T08:00:00-04:00');
  });
});
