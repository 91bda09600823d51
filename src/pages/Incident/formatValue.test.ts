import { formatValue } from './SignalsTable';

describe('formatValue', () => {
  it('shows measured values with four significant digits, and no value as none', () => {
    expect(formatValue(0.31234567891)).toBe('0.3123');
    expect(formatValue(42.1234567)).toBe('42.12');
    expect(formatValue(12.5)).toBe('12.5');
    expect(formatValue(1234567)).toBe('1235000');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(-0.000123456)).toBe('-0.0001235');
    expect(formatValue(null)).toBe('none');
  });
});
