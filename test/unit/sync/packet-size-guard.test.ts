/**
 * The second guard against an oversized MQTT message (issue 12 point 3): for a broker that ignores
 * the bus's `maximumPacketSize`, the packet's header closes the connection before its body is
 * buffered. The scanner on hand-made byte streams, then the real mqtt.js client of connectBus
 * against a loopback server that announces a 64 MiB PUBLISH and streams it.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigSchema } from '../../../device/config/schema.js';
import { createLogger } from '../../../device/log/logger.js';
import { connectBus } from '../../../sync/bus/connect.js';
import { PacketLengthScanner } from '../../../sync/bus/packet-size-guard.js';
import { BUS_MAX_PACKET_BYTES, LIMITS } from '../../../sync/limits.js';
import { TEST_TRUST } from '../../helpers/pinned-key.js';

const MiB = 1024 * 1024;

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A QoS 0 PUBLISH (MQTT 5) of `payloadBytes` zero bytes on `topic`. */
function publishPacket(topic: string, payloadBytes: number): Buffer {
  const t = Buffer.from(topic);
  const body = Buffer.concat([
    Buffer.from([t.length >> 8, t.length & 0xff]),
    t,
    Buffer.from([0]), // no properties
    Buffer.alloc(payloadBytes),
  ]);
  return Buffer.concat([Buffer.from([0x30, ...remainingLength(body.length)]), body]);
}

/** Splits `bytes` into chunks of the given sizes, cycling. */
function chunked(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('the packet length scanner', () => {
  const stream = Buffer.concat([
    Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]), // CONNACK
    publishPacket('teiki/v1/list/manifest', 0),
    publishPacket('teiki/v1/list/delta/7', 127),
    publishPacket('teiki/v1/list/chunk/7/0', 20_000),
    Buffer.from([0xd0, 0x00]), // PINGRESP
    publishPacket('teiki/v1/list/delta/8', 300),
  ]);

  it.each([[[1]], [[2, 3, 5]], [[7, 4096]], [[65_536]], [[stream.length]]])(
    'follows packet boundaries whatever the chunking (%j): legitimate traffic passes',
    (sizes) => {
      const scanner = new PacketLengthScanner(BUS_MAX_PACKET_BYTES);
      expect(chunked(stream, sizes).filter((c) => scanner.feed(c) !== null)).toEqual([]);
    },
  );

  it('lets the largest legitimate message through: a delta at its limit, in its framing', () => {
    const longest = `teiki/v1/bus/${'b'.repeat(64)}/ack`;
    const packet = publishPacket(longest, LIMITS.deltaMessageBytes);
    expect(packet.length).toBeLessThanOrEqual(BUS_MAX_PACKET_BYTES);
    const scanner = new PacketLengthScanner(BUS_MAX_PACKET_BYTES);
    expect(chunked(packet, [3, 65_536]).filter((c) => scanner.feed(c) !== null)).toEqual([]);
  });

  it('says a packet is too large from its header alone, even split across chunks', () => {
    const big = publishPacket('teiki/v1/list/manifest', 0);
    // Same header bytes as a 250 MB message: type and a 4-byte remaining length.
    const header = Buffer.from([0x31, ...remainingLength(250 * MiB)]);
    for (const sizes of [[1], [2], [header.length]]) {
      const scanner = new PacketLengthScanner(BUS_MAX_PACKET_BYTES);
      expect(scanner.feed(big)).toBeNull();
      const seen = chunked(header, sizes).map((c) => scanner.feed(c));
      expect(seen.slice(0, -1).every((v) => v === null)).toBe(true);
      expect(seen.at(-1)).toBe(1 + 4 + 250 * MiB);
    }
  });

  it('draws the line at the limit itself', () => {
    const body = BUS_MAX_PACKET_BYTES - 1 - remainingLength(BUS_MAX_PACKET_BYTES).length;
    expect(
      new PacketLengthScanner(BUS_MAX_PACKET_BYTES).feed(Buffer.from([0x30, ...remainingLength(body)])),
    ).toBeNull();
    expect(
      new PacketLengthScanner(BUS_MAX_PACKET_BYTES).feed(Buffer.from([0x30, ...remainingLength(body + 1)])),
    ).toBe(BUS_MAX_PACKET_BYTES + 1);
  });
});

describe('connectBus against a broker that ignores maximumPacketSize', () => {
  let server: Server | undefined;
  let client: MqttClient | undefined;
  afterEach(async () => {
    client?.end(true);
    server?.close();
  });

  it('closes the connection at the header of a 64 MiB PUBLISH instead of buffering it', async () => {
    let sentBody = 0;
    let connectPacket: Buffer | null = null;
    const closed = new Promise<void>((resolve) => {
      server = createServer((socket: Socket) => {
        socket.once('data', (d) => {
          connectPacket = d;
          socket.write(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]));
          const total = 64 * MiB;
          socket.write(Buffer.from([0x30, ...remainingLength(total)]));
          const chunk = Buffer.alloc(MiB);
          const pump = () => {
            while (sentBody < total && !socket.destroyed) {
              sentBody += chunk.length;
              if (!socket.write(chunk)) return void socket.once('drain', pump);
            }
          };
          pump();
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    });
    server!.listen(0, '127.0.0.1');
    await once(server!, 'listening');
    const port = (server!.address() as { port: number }).port;

    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(c, _e, done) {
        lines.push(JSON.parse(String(c)));
        done();
      },
    });
    const config = ConfigSchema.parse({
      vehicle: { id: 'bus-101', operator: 'matsue-city' },
      mqtt: { url: `mqtt://127.0.0.1:${port}`, reconnect_min_ms: 60_000 },
      trust: TEST_TRUST,
    });
    const heapBefore = process.memoryUsage().arrayBuffers;
    client = connectBus(config, createLogger('info', sink));
    await closed;
    await vi.waitFor(() =>
      expect(lines.map((l) => l.msg)).toContain('mqtt packet too large; connection closed'),
    );
    expect(lines.find((l) => l.msg === 'mqtt packet too large; connection closed')).toMatchObject({
      level: 'warn',
      bytes: 1 + 4 + 64 * MiB,
      max_bytes: BUS_MAX_PACKET_BYTES,
    });
    // The CONNECT told the server the limit (property 0x27, Maximum Packet Size).
    const max = Buffer.alloc(4);
    max.writeUInt32BE(BUS_MAX_PACKET_BYTES);
    expect(connectPacket!.includes(Buffer.concat([Buffer.from([0x27]), max]))).toBe(true);
    // Nothing like the 64 MiB was held: the server could not even push it all before the close.
    expect(sentBody).toBeLessThan(64 * MiB);
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(32 * MiB);
  });
});
