/**
 * Personal data in logs (DOMAIN.md "Lists on vehicles"): a card number shows as
 * `JW1234********789`, an IDm as its first four and last two hex digits. Full values appear only
 * at debug level, and only where a caller explicitly logs them.
 */
export function maskCard(cardNumber: string | null | undefined): string | null {
  if (!cardNumber) return null;
  if (cardNumber.length < 9) return '*'.repeat(cardNumber.length);
  return `${cardNumber.slice(0, 6)}${'*'.repeat(cardNumber.length - 9)}${cardNumber.slice(-3)}`;
}

export function maskIdm(idm: string | null | undefined): string | null {
  if (!idm) return null;
  if (idm.length < 8) return '*'.repeat(idm.length);
  return `${idm.slice(0, 4)}${'*'.repeat(idm.length - 6)}${idm.slice(-2)}`;
}
