/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR; check value of
 * "123456789" is 0x29B1, per the Greg Cook CRC catalogue). Chosen because display and fare-box
 * firmware commonly ships it, so the unit's side is a table the vendor already has.
 */
const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[n] = crc;
  }
  return table;
}

/** CRC of `bytes[start, end)`, optionally continuing from a previous `crc`. */
export function crc16CcittFalse(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0xffff): number {
  let c = crc;
  for (let i = start; i < end; i++) {
    c = ((c << 8) & 0xffff) ^ TABLE[((c >> 8) ^ bytes[i]!) & 0xff]!;
  }
  return c;
}
