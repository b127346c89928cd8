import { createHash } from 'node:crypto';
import { readFile, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import type { FeatureStore } from '../features/feature-store.js';
import { decodeFeatureEntry, encodeFeatureEntry } from './feature-cache-entry.js';
import {
  featureEntryExtension,
  featureIdentityFile,
  leastRecentlyUsedOverBudget,
  listFeatureCacheFiles,
} from './feature-cache-listing.js';

/** Options of {@link DiskFeatureStore}. */
export interface DiskFeatureStoreOptions {
  /** Root directory of the cache, e.g. `~/.cache/graft/features`; namespaces share it. */
  directory: string;
  /**
   * What decides the features besides the key (e.g. the decoder and resize the images went
   * through): mixed into every key, and its SHA-256 names the folder the entries go in.
   * Default: none (folder `default`).
   */
  namespace?: string;
  /**
   * Written once as `identity.json` in the namespace's folder, so a listing can say what the
   * entries are (backbone, weights, engine). Default: none.
   */
  identity?: Record<string, unknown>;
  /**
   * Largest total size of `directory` (every namespace) in bytes: {@link DiskFeatureStore.trim}
   * deletes least-recently-used entries beyond it, and writes trim every eighth of it.
   * Default: unbounded.
   */
  maximumBytes?: number;
  /** Where warnings go (a damaged entry, a failed write). Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** Counters of one {@link DiskFeatureStore}. */
export interface DiskFeatureStoreStats {
  /** Entries read back. */
  hits: number;
  /** Keys with no entry. */
  misses: number;
  /** Damaged entries found (each warned about, deleted and counted as a miss). */
  corrupt: number;
  /** Entries written. */
  writes: number;
  /** Entries deleted by trims. */
  evicted: number;
}

/** What one {@link DiskFeatureStore.trim} did. */
export interface FeatureCacheTrim {
  /** Entries and bytes left. */
  entries: number;
  bytes: number;
  /** Entries and bytes deleted (least recently used first). */
  evicted: number;
  evictedBytes: number;
}

/** Temporary files older than this are left over by a crashed writer and deleted by trims. */
const staleTemporaryMs = 60 * 60 * 1000;

/**
 * A {@link FeatureStore} on disk: one file per feature vector (a checksummed header, then the
 * little-endian float32 values), named by the SHA-256 of namespace + key (which names backbone
 * content, preprocessing, engine, augmentation pass and image) under
 * `<directory>/<namespace>/<2 hex>/`. Writes are atomic (temporary file + rename), so
 * concurrent runs and crashes never leave a torn entry; a damaged entry (truncated, altered,
 * misplaced) is reported through `onWarning` naming the file, deleted, and read as a miss, so
 * the caller recomputes it. A hit refreshes the file's modification time, which `trim` uses
 * as the last use. A failed write is warned about once and never fails the caller.
 */
export class DiskFeatureStore implements FeatureStore {
  /** Root directory of the cache. */
  readonly directory: string;
  /** Folder of this store's entries (`<directory>/<namespace digest>`). */
  readonly folder: string;
  /** Counters since construction. */
  readonly stats: DiskFeatureStoreStats = {
    hits: 0,
    misses: 0,
    corrupt: 0,
    writes: 0,
    evicted: 0,
  };
  private readonly namespace: string;
  private readonly identity: Record<string, unknown> | undefined;
  private readonly maximumBytes: number | undefined;
  private readonly warn: (message: string) => void;
  private identityWritten = false;
  private writeFailed = false;
  private bytesSinceTrim = 0;
  private trimming: Promise<FeatureCacheTrim> | undefined;

  constructor(options: DiskFeatureStoreOptions) {
    const maximumBytes = options.maximumBytes;
    if (maximumBytes !== undefined && !(Number.isFinite(maximumBytes) && maximumBytes >= 0)) {
      throw new InvalidArgumentError({
        argument: 'maximumBytes',
        value: maximumBytes,
        expected: 'must be a number of bytes >= 0',
      });
    }
    this.directory = options.directory;
    this.namespace = options.namespace ?? '';
    this.folder = join(
      options.directory,
      this.namespace === '' ? 'default' : sha256(this.namespace).toString('hex').slice(0, 16),
    );
    this.identity = options.identity;
    this.maximumBytes = maximumBytes;
    this.warn = options.onWarning ?? ((message) => console.warn(message));
  }

  private locate(key: string): { path: string; digest: Buffer } {
    const digest = sha256(this.namespace === '' ? key : `${this.namespace}\n${key}`);
    const hex = digest.toString('hex');
    return {
      path: join(this.folder, hex.slice(0, 2), `${hex.slice(2)}${featureEntryExtension}`),
      digest,
    };
  }

  /** The file `key`'s entry is (or would be) stored in. */
  entryPath(key: string): string {
    return this.locate(key).path;
  }

  async get(key: string): Promise<Float32Array | undefined> {
    const { path, digest } = this.locate(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const entry = decodeFeatureEntry(bytes, digest);
    if (!entry.ok) {
      this.stats.corrupt++;
      this.stats.misses++;
      this.warn(
        `feature cache entry ${path} is damaged (${entry.problem}); deleted, its features are computed again`,
      );
      await rm(path, { force: true }).catch(() => undefined);
      return undefined;
    }
    this.stats.hits++;
    // The modification time is the last use: least-recently-used eviction keeps what is read.
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    return entry.features;
  }

  async set(key: string, features: Float32Array): Promise<void> {
    if (this.writeFailed) return;
    const { path, digest } = this.locate(key);
    const bytes = encodeFeatureEntry(digest, features);
    try {
      await writeFileAtomic(path, bytes);
      if (!this.identityWritten && this.identity !== undefined) {
        this.identityWritten = true;
        await writeFileAtomic(
          join(this.folder, featureIdentityFile),
          `${JSON.stringify(this.identity, null, 2)}\n`,
        );
      }
    } catch (error) {
      // A cache is an optimisation: a full or read-only disk must not fail the training.
      this.writeFailed = true;
      this.warn(
        `feature cache not written (${(error as Error).message}); features are computed without it`,
      );
      return;
    }
    this.stats.writes++;
    this.bytesSinceTrim += bytes.byteLength;
    if (this.maximumBytes !== undefined && this.bytesSinceTrim > this.maximumBytes / 8) {
      await this.trim();
    }
  }

  /**
   * Deletes least-recently-used entries (of every namespace) until the directory fits
   * `maximumBytes`, and temporary files older than an hour. Concurrent trims (other processes)
   * are safe: a file already gone is skipped. Without `maximumBytes` only reports the size.
   */
  trim(): Promise<FeatureCacheTrim> {
    this.trimming ??= this.trimOnce().finally(() => {
      this.trimming = undefined;
    });
    return this.trimming;
  }

  private async trimOnce(): Promise<FeatureCacheTrim> {
    this.bytesSinceTrim = 0;
    const { entries, temporary } = await listFeatureCacheFiles(this.directory);
    const now = Date.now();
    await Promise.all(
      temporary
        .filter((file) => now - file.lastUsedMs > staleTemporaryMs)
        .map((file) => rm(file.path, { force: true }).catch(() => undefined)),
    );
    const evicted =
      this.maximumBytes === undefined
        ? []
        : leastRecentlyUsedOverBudget(entries, this.maximumBytes);
    await Promise.all(evicted.map((file) => rm(file.path, { force: true }).catch(() => undefined)));
    this.stats.evicted += evicted.length;
    const evictedBytes = evicted.reduce((sum, file) => sum + file.bytes, 0);
    const bytes = entries.reduce((sum, file) => sum + file.bytes, 0) - evictedBytes;
    return {
      entries: entries.length - evicted.length,
      bytes,
      evicted: evicted.length,
      evictedBytes,
    };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
