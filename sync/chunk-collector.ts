import { LIMITS } from './limits.js';
import { SyncRejection } from './rejection.js';
import type { Manifest } from './schemas/manifest.js';
import { verifyChunk } from './snapshot-unpack.js';

/**
 * Gathers the chunks of one accepted manifest as they arrive over MQTT (retained, any order,
 * possibly twice). Each chunk is checked against the manifest on arrival, so a corrupted one is
 * refused at once and can be asked for again; only verified bytes are kept. Serves as the
 * `ChunkSource` of unpackSnapshot once complete.
 */
export class ChunkCollector {
  private readonly chunks: (Buffer | undefined)[];
  private received = 0;

  constructor(readonly manifest: Manifest) {
    if (manifest.total_bytes > LIMITS.snapshotBytes) {
      throw new SyncRejection('too_large', `snapshot ${manifest.version} is ${manifest.total_bytes} bytes`);
    }
    this.chunks = new Array(manifest.chunk_count).fill(undefined);
  }

  get version(): number {
    return this.manifest.version;
  }

  /** 'stored' the first time, 'duplicate' after; throws SyncRejection for a bad chunk. */
  accept(index: number, bytes: Uint8Array): 'stored' | 'duplicate' {
    verifyChunk(this.manifest, index, bytes);
    if (this.chunks[index]) return 'duplicate';
    this.chunks[index] = Buffer.from(bytes); // copy: MQTT.js may reuse its buffers
    this.received++;
    return 'stored';
  }

  isComplete(): boolean {
    return this.received === this.manifest.chunk_count;
  }

  missing(): number[] {
    const out: number[] = [];
    this.chunks.forEach((c, i) => {
      if (!c) out.push(i);
    });
    return out;
  }

  /** A ChunkSource for unpackSnapshot. */
  readonly chunk = (index: number): Buffer | undefined => this.chunks[index];
}
