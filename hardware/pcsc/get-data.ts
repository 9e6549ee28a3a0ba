/**
 * The one APDU the adapter sends: PC/SC Part 3 GET DATA (`FF CA 00 00 00`), which a PC/SC reader
 * answers for a FeliCa card with the 8-byte IDm followed by SW1 SW2 = 90 00.
 */
export const GET_DATA_UID = Buffer.from([0xff, 0xca, 0x00, 0x00, 0x00]);
/** Le = 00 asks for up to 256 bytes; room for them and the status word avoids SCARD_E_INSUFFICIENT_BUFFER. */
export const GET_DATA_RESPONSE_MAX = 258;
/** JIS X 6319-4: the IDm is 8 bytes. */
const IDM_LENGTH = 8;

export type GetDataResult =
  | { readonly kind: 'idm'; readonly idm: string }
  | { readonly kind: 'status'; readonly sw: string }
  | { readonly kind: 'malformed'; readonly length: number }
  | { readonly kind: 'empty' };

export function parseGetDataResponse(response: Uint8Array): GetDataResult {
  // No bytes at all, not even a status word: the exchange broke off. vpcd does this when its
  // card goes away mid-command (vpcd.c recvFromVICC returns 0 on EOF, and IFDHTransmitToICC
  // reports success with an empty answer).
  if (response.length === 0) return { kind: 'empty' };
  if (response.length < 2) return { kind: 'malformed', length: response.length };
  const sw1 = response[response.length - 2]!;
  const sw2 = response[response.length - 1]!;
  if (sw1 !== 0x90 || sw2 !== 0x00) {
    return { kind: 'status', sw: Buffer.from([sw1, sw2]).toString('hex').toUpperCase() };
  }
  if (response.length - 2 !== IDM_LENGTH) return { kind: 'malformed', length: response.length };
  return { kind: 'idm', idm: Buffer.from(response.subarray(0, IDM_LENGTH)).toString('hex') };
}
