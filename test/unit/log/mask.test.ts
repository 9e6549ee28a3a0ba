import { describe, expect, it } from 'vitest';
import { maskCard, maskIdm } from '../../../device/log/mask.js';

describe('masking personal data', () => {
  it('masks a card number as JW1234********789', () => {
    expect(maskCard('JW123456789012789')).toBe('JW1234********789');
  });
  it('keeps only the first four and last two hex digits of an IDm', () => {
    expect(maskIdm('0114b3a1c2d3e4f5')).toBe('0114**********f5');
  });
  it('passes null through', () => {
    expect(maskCard(null)).toBeNull();
    expect(maskIdm(undefined)).toBeNull();
  });
});
