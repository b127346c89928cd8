import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@graft/core/node';
import type { FeatureStore } from '../features/feature-store.js';

/**
 * A {@link FeatureStore} on disk: one little-endian float32 file per feature vector, named by
 * the sha256 of its key (which names backbone weights, preprocessing, augmentation pass and
 * image), under two-character fan-out directories. Written atomically, so concurrent runs and
 * crashes never leave a torn file; a file of the wrong length is treated as missing.
 */
export class DiskFeatureStore implements FeatureStore {
  /** Root directory of the cache. */
  readonly directory: string;

  constructor(options: {
    /** Root directory, e.g. `~/.cache/graft/features`. */
    directory: string;
  }) {
    this.directory = options.directory;
  }

  private pathOf(key: string): string {
    const digest = createHash('sha256').update(key).digest('hex');
    return join(this.directory, digest.slice(0, 2), `${digest.slice(2)}.f32`);
  }

  async get(key: string): Promise<Float32Array | undefined> {
    try {
      const bytes = await readFile(this.pathOf(key));
      if (bytes.byteLength % 4 !== 0) return undefined;
      // Copy into an aligned buffer: Node's pooled Buffers may start at an unaligned offset.
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return new Float32Array(copy.buffer);
    } catch {
      return undefined;
    }
  }

  async set(key: string, features: Float32Array): Promise<void> {
    await writeFileAtomic(
      this.pathOf(key),
      new Uint8Array(features.buffer, features.byteOffset, features.byteLength),
    );
  }
}
