import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../device/config/load.js';
import { encodeFrame, FrameDecoder, FrameType, MAX_PAYLOAD } from '../../hardware/serial/display-frame.js';
import { decodeStatus, decodeVerdict, encodeVerdict } from '../../hardware/serial/display-messages.js';
import {
  formatStopLine,
  MAX_STOP_LINE,
  parseStopLine,
  StopLineSplitter,
} from '../../hardware/serial/stop-line.js';
import { textCodec } from '../../hardware/serial/text-codec.js';
import { PayloadError } from '../../hardware/serial/tlv.js';
import { attempt, mutated, RUNS, report, typedOutcome } from './helpers.js';

/**
 * The config file and the two serial lines (stop source, driver display) with hostile input:
 * never a crash, only the typed refusal of each boundary, and memory bounded by the protocol's
 * own limits whatever the line delivers.
 */
const dir = mkdtempSync(join(tmpdir(), 'teiki-hostile-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const validConfig = Buffer.from(
  JSON.stringify({
    vehicle: { id: 'bus-101', operator: 'matsue-city' },
    data_dir: 'data',
    readers: [{ driver: 'pcsc', match: 'ACR1252', role: 'boarding' }],
    display: { driver: 'serial', path: '/dev/teiki-display', baud: 115200, encoding: 'shift_jis' },
    stop_source: { driver: 'serial', path: '/dev/teiki-stops', baud: 9600 },
    mqtt: { url: 'mqtts://depot.example:8883' },
    rules: { routes_without_passes: ['lake'], excess_rule: 'difference' },
  }),
);

describe('hostile config files', () => {
  it('random edits of a valid config, random JSON, random bytes: a config or a ConfigError naming the file', () => {
    const file = join(dir, 'config.json');
    const input = fc.oneof(
      mutated(validConfig),
      fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })).map((extra) => {
        const c = JSON.parse(validConfig.toString()) as Record<string, unknown>;
        return Buffer.from(JSON.stringify({ ...c, ...extra, 'new\nline': 1 }));
      }),
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    );
    let refused = 0;
    fc.assert(
      fc.property(input, (bytes) => {
        writeFileSync(file, bytes);
        const out = typedOutcome(
          attempt(() => loadConfig(file)),
          ConfigError,
        );
        if (out instanceof Error) {
          expect(out.message.startsWith(file)).toBe(true);
          // One line, for `teiki: …` on stderr.
          expect(out.message).not.toContain('\n');
          refused++;
        } else {
          expect(out.vehicle.id.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
    report('config', { tries: RUNS, refused });
  });

  it('a pinned depot key that is not an Ed25519 public key stops start-up naming the key', () => {
    const file = join(dir, 'keys.json');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const ed = generateKeyPairSync('ed25519');
    const edPrivate = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const base = JSON.parse(validConfig.toString()) as Record<string, unknown>;
    const withKeys = (keys: string[]) => {
      writeFileSync(file, JSON.stringify({ ...base, trust: { depot_public_keys: keys } }));
      return attempt(() => loadConfig(file));
    };
    expect(withKeys([edPem]).ok).toBe(true);
    for (const bad of [
      'not a key',
      'AAAA',
      ec.toString(),
      edPrivate,
      `${edPem.slice(0, 60)}\n-----END PUBLIC KEY-----`,
    ]) {
      const out = typedOutcome(withKeys([edPem, bad]), ConfigError);
      expect(out).toBeInstanceOf(ConfigError);
      expect((out as Error).message).toContain('trust.depot_public_keys[1]');
    }
  });

  it('deep nesting and prototype keys', () => {
    const file = join(dir, 'deep.json');
    for (const text of [
      `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
      `{"vehicle":{"id":"b","operator":"o"},"rules":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
      '{"vehicle":{"id":"b","operator":"o"},"__proto__":{"polluted":1}}',
      '{"vehicle":{"id":"b","operator":"o","constructor":{"prototype":{"polluted":1}}}}',
    ]) {
      writeFileSync(file, text);
      typedOutcome(
        attempt(() => loadConfig(file)),
        ConfigError,
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile stop-source lines', () => {
  it('any bytes in any chunking: lines never longer than the protocol bound, the parser never throws', () => {
    const good = Buffer.from(
      `${formatStopLine({ route_id: '81', stop_id: 'matsue-sta', trip_id: 't1' })}\r\n`,
    );
    const stream = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.constant(new Uint8Array(good)),
        mutated(good).map((b) => new Uint8Array(b)),
      ),
      { maxLength: 20 },
    );
    let lines = 0;
    fc.assert(
      fc.property(stream, (chunks) => {
        const splitter = new StopLineSplitter();
        for (const chunk of chunks) {
          for (const out of splitter.push(chunk)) {
            if ('line' in out) {
              expect(out.line.length).toBeLessThanOrEqual(MAX_STOP_LINE + 1);
              const parsed = parseStopLine(out.line);
              expect(typeof parsed.ok).toBe('boolean');
              lines++;
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    report('stop lines', { tries: RUNS, lines });
  });

  it('a line that never ends costs no more than MAX_STOP_LINE characters', () => {
    const splitter = new StopLineSplitter();
    const junk = Buffer.alloc(64 * 1024, 0x41);
    for (let i = 0; i < 256; i++) expect(splitter.push(junk)).toEqual([]);
    expect(splitter.push(Buffer.from('\n'))).toEqual([{ tooLong: true }]);
  });
});

describe('hostile display-unit bytes', () => {
  const codec = textCodec('shift_jis');
  const verdict = encodeVerdict(
    {
      verdict: 'accept',
      reason: 'ok',
      tone: 'accept',
      reader: 'boarding',
      headline: 'OK 定期券有効',
      kind: '通勤定期',
      validUntil: '2026-04-30',
      excess: null,
      fare: 250,
      card: 'JW1234********345',
    },
    codec,
  ).payload;

  it('the frame decoder takes any bytes in any chunking; frames are within MAX_PAYLOAD', () => {
    const frame = encodeFrame({ seq: 7, type: FrameType.VERDICT, payload: verdict });
    const stream = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constant(new Uint8Array(frame)),
        mutated(frame).map((b) => new Uint8Array(b)),
      ),
      { maxLength: 12 },
    );
    let frames = 0;
    let bad = 0;
    fc.assert(
      fc.property(stream, (chunks) => {
        const decoder = new FrameDecoder();
        for (const chunk of chunks) {
          for (const e of decoder.push(chunk)) {
            if (e.kind === 'frame') {
              expect(e.frame.payload.length).toBeLessThanOrEqual(MAX_PAYLOAD);
              frames++;
            } else bad++;
          }
        }
      }),
      { numRuns: RUNS },
    );
    report('display frames', { tries: RUNS, frames, bad });
  });

  it('TLV payloads: a screen or a status, or a PayloadError', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: MAX_PAYLOAD }),
      mutated(verdict).map((b) => new Uint8Array(b)),
    );
    fc.assert(
      fc.property(
        payload,
        fc.constantFrom('utf-8', 'shift_jis') as fc.Arbitrary<'utf-8' | 'shift_jis'>,
        (p, enc) => {
          const c = textCodec(enc);
          typedOutcome(
            attempt(() => decodeVerdict(p, c)),
            PayloadError,
          );
          typedOutcome(
            attempt(() => decodeStatus(p, c)),
            PayloadError,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});
