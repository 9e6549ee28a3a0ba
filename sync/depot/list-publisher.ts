/**
 * The depot's list messages on the broker (sync/README.md "Topics"): every one QoS 1 and retained,
 * each awaited until the broker's PUBACK (MQTT 5 answers "not authorized" to a publish the ACL
 * denies, which fails here instead of vanishing). Snapshot chunks go out as they are packed, a
 * bounded number in flight, and the manifest only after every chunk was acknowledged: a bus that
 * sees the manifest finds all of its chunks retained.
 */
import type { KeyObject } from 'node:crypto';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { encodeManifest } from '../messages.js';
import type { Manifest } from '../schemas/manifest.js';
import { topics } from '../topics.js';

export type PublishClient = Pick<MqttClient, 'publishAsync'>;

const RETAINED: IClientPublishOptions = { qos: 1, retain: true };
/** Chunks awaiting PUBACK at most: keeps the pipe full without holding the whole snapshot. */
const CHUNKS_IN_FLIGHT = 16;
const EMPTY = Buffer.alloc(0);

/** Packs a snapshot, handing each compressed chunk to `sink` in index order; returns the manifest. */
export type SnapshotPacker = (sink: (index: number, chunk: Buffer) => Promise<void>) => Promise<Manifest>;

export class ListPublisher {
  readonly #client: PublishClient;
  readonly #key: KeyObject;

  constructor(client: PublishClient, privateKey: KeyObject) {
    this.#client = client;
    this.#key = privateKey;
  }

  async publishDelta(version: number, signed: Buffer): Promise<void> {
    await this.#client.publishAsync(topics.delta(version), signed, RETAINED);
  }

  /** Publishes the chunks as `pack` makes them, then the signed manifest. Returns the manifest. */
  async publishSnapshot(
    version: number,
    pack: SnapshotPacker,
    onChunk?: (index: number) => void,
  ): Promise<Manifest> {
    const inFlight = new Set<Promise<unknown>>();
    let failure: unknown = null;
    const manifest = await pack(async (index, chunk) => {
      if (failure) throw failure;
      while (inFlight.size >= CHUNKS_IN_FLIGHT) await Promise.race(inFlight);
      const sent = this.#client.publishAsync(topics.chunk(version, index), chunk, RETAINED).then(
        () => {
          inFlight.delete(sent);
          onChunk?.(index);
        },
        (err: unknown) => {
          inFlight.delete(sent);
          failure ??= err;
        },
      );
      inFlight.add(sent);
    });
    await Promise.all(inFlight);
    if (failure) throw failure;
    if (manifest.version !== version)
      throw new Error(`packed version ${manifest.version}, expected ${version}`);
    await this.#client.publishAsync(topics.manifest, encodeManifest(manifest, this.#key), RETAINED);
    return manifest;
  }

  /** Empties retained deltas (a zero-byte retained message deletes the retained one). */
  async clearDeltas(versions: readonly number[]): Promise<void> {
    await this.#clear(versions.map((v) => topics.delta(v)));
  }

  async clearChunks(version: number, count: number): Promise<void> {
    await this.#clear(Array.from({ length: count }, (_, i) => topics.chunk(version, i)));
  }

  async #clear(list: readonly string[]): Promise<void> {
    for (let i = 0; i < list.length; i += CHUNKS_IN_FLIGHT * 4) {
      await Promise.all(
        list.slice(i, i + CHUNKS_IN_FLIGHT * 4).map((t) => this.#client.publishAsync(t, EMPTY, RETAINED)),
      );
    }
  }
}
