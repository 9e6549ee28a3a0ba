/**
 * Refuses an oversized MQTT packet from its header, before its body is buffered (issue 12).
 *
 * mqtt.js (mqtt-packet's parser) gathers a whole packet in memory before it hands it on, and
 * checks our advertised `maximumPacketSize` only then: one 250 MB retained message took a bus from
 * 123 MB to 625 MB RSS. The broker is told the limit on connect (connect.ts) and mosquitto honours
 * it; this guard is for a broker that does not. It watches the bytes arriving on the client's
 * transport stream, reads each packet's fixed header (type byte and remaining length, MQTT 5.0
 * §2.1) and skips the body; a header announcing more than the limit closes the connection at once,
 * so at most the chunk that carried the header (a TCP read or a TLS record) is ever held.
 */
import type { Duplex } from 'node:stream';
import type { MqttClient } from 'mqtt';

type Phase = 'type' | 'length' | 'body';

/** Follows packet boundaries in an MQTT byte stream; says when a header announces too much. */
export class PacketLengthScanner {
  readonly #max: number;
  #phase: Phase = 'type';
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #remaining = 0;

  constructor(maxPacketBytes: number) {
    this.#max = maxPacketBytes;
  }

  /** The whole size of the first packet in this chunk that exceeds the limit, else null. */
  feed(chunk: Uint8Array): number | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.#phase === 'type') {
        i++;
        this.#phase = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
      } else if (this.#phase === 'length') {
        const b = chunk[i++] as number;
        this.#length += (b & 0x7f) * this.#multiplier;
        this.#multiplier *= 128;
        this.#lengthBytes++;
        // A fifth length byte is malformed: mqtt-packet's parser refuses it, nothing to add here.
        if (b & 0x80 && this.#lengthBytes < 4) continue;
        const total = 1 + this.#lengthBytes + this.#length;
        if (total > this.#max) return total;
        this.#remaining = this.#length;
        this.#phase = this.#remaining > 0 ? 'body' : 'type';
      } else {
        const take = Math.min(this.#remaining, chunk.length - i);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#phase = 'type';
      }
    }
    return null;
  }
}

export class PacketTooLargeError extends Error {
  override readonly name = 'PacketTooLargeError';
  readonly code = 'ERR_MQTT_PACKET_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `incoming MQTT packet of ${bytes} bytes exceeds the maximum packet size ${maxBytes}; connection closed`,
    );
  }
}

/** The parts of mqtt.js's client this uses: its current stream and the builder of each new one. */
interface StreamOwner {
  stream?: Duplex;
  streamBuilder?: (client: MqttClient) => Duplex;
}

/**
 * Watches every transport stream of `client`, the current one and each one a reconnect builds.
 * Returns false when the client has no stream builder to wrap (a test double). Call it right after
 * the client is created: no data is read before the next turn of the event loop.
 */
export function guardPacketSize(
  client: MqttClient,
  maxPacketBytes: number,
  onTooLarge: (err: PacketTooLargeError) => void,
): boolean {
  // `streamBuilder` is private in mqtt.js's types (5.x): the one seam for every reconnect's stream.
  const owner = client as unknown as StreamOwner;
  const build = owner.streamBuilder;
  if (typeof build !== 'function') return false;
  const watch = (stream: Duplex): Duplex => {
    const scanner = new PacketLengthScanner(maxPacketBytes);
    // First in line: the size is judged before mqtt.js's parser sees the chunk.
    stream.prependListener('data', (chunk: Buffer) => {
      if (stream.destroyed) return;
      const bytes = scanner.feed(chunk);
      if (bytes === null) return;
      const err = new PacketTooLargeError(bytes, maxPacketBytes);
      onTooLarge(err);
      stream.destroy(err);
    });
    return stream;
  };
  owner.streamBuilder = (c) => watch(build.call(client, c));
  if (owner.stream) watch(owner.stream);
  return true;
}
