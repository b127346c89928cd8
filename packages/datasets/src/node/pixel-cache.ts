import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { temporaryPathFor } from '@graft/core/node';
import { contentKey } from './content-key.js';
import type { FrameFileSlot } from './frame-file-slot.js';

/** Options of a dataset's decoded-pixel cache (`pixelCache` of `ImagePipelineOptions`). */
export interface PixelCacheOptions {
  /** Folder the cache files go in (one file per dataset and frame geometry). */
  directory: string;
  /** Largest cache file in bytes; a dataset that needs more is not cached (with a warning). Default 4 GiB. */
  maximumBytes?: number;
  /**
   * Stored frame over the clean image size (>= 1). Default 1.25: a random crop of a quarter of
   * the area or more is then downsampled from stored pixels rather than upsampled.
   */
  frameScale?: number;
  /** Where warnings go (budget exceeded, cache not writable). Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** Default {@link PixelCacheOptions.maximumBytes}. */
export const defaultPixelCacheBytes = 4 * 1024 ** 3;
/** Default {@link PixelCacheOptions.frameScale}. */
export const defaultFrameScale = 1.25;

const magic = 'GRAFTPX1';
const footerBytes = 16;

/** One image in the cache's index, in dataset order. */
interface CacheEntry {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha1 of the file's bytes (`contentKey`), what the frame was decoded from. */
  key: string;
}

/** The source file's state when a pass starts. */
interface SourceState {
  size: number;
  mtimeMs: number;
}

/** Options of {@link PixelCache}'s constructor. */
export interface PixelCacheFileOptions {
  /** The cache settings. */
  options: PixelCacheOptions;
  /** Source files in dataset order (slot `i` is `sources[i]`). */
  sources: readonly string[];
  /** Bytes of one frame. */
  frameBytes: number;
  /** What else decides the pixels (frame size, resize policy …), mixed into the file name. */
  identity: string;
}

/** Cache files being published in the background (`finishInBackground`), by path. */
const publications = new Map<string, Promise<void>>();

/**
 * FFCV's idea for a dataset of image files: every image decoded once into its training frame and
 * stored as raw RGB bytes in one file (frames of one fixed size, slot `i` at `i * frameBytes`,
 * then a JSON index and a footer), so later epochs read pixels with no decode. Each slot is
 * valid while its file's size and mtime match the index, or failing that while the sha1 of its
 * bytes (the content key) still does: an edited file is decoded again, a touched one is not.
 * A pass with any miss writes a new file to a temporary path and renames it over the old one
 * once every image is in it, so a reader sees the old file or the complete new one, and the
 * footer (magic + index length) makes a truncated file a miss, never wrong pixels.
 */
export class PixelCache {
  /** The cache file. */
  readonly file: string;
  private readonly sources: readonly string[];
  private readonly frameBytes: number;
  private readonly warn: (message: string) => void;
  /** Over budget: never cached. */
  readonly disabled: boolean;

  constructor(options: PixelCacheFileOptions) {
    const maximumBytes = options.options.maximumBytes ?? defaultPixelCacheBytes;
    if (!Number.isFinite(maximumBytes) || maximumBytes < 0) {
      throw new InvalidArgumentError({
        argument: 'pixelCache.maximumBytes',
        value: maximumBytes,
        expected: `must be a number of bytes >= 0 (default ${defaultPixelCacheBytes})`,
      });
    }
    this.sources = options.sources;
    this.frameBytes = options.frameBytes;
    this.warn = options.options.onWarning ?? ((message) => console.warn(message));
    const name = createHash('sha1')
      .update(JSON.stringify({ version: 1, identity: options.identity, sources: this.sources }))
      .digest('hex');
    this.file = join(options.options.directory, `${name}.pixels`);
    const needed = this.sources.length * this.frameBytes;
    this.disabled = needed > maximumBytes;
    if (this.disabled) {
      this.warn(
        `pixel cache off: ${this.sources.length} images need ${formatBytes(needed)} of decoded frames, over the budget of ${formatBytes(maximumBytes)} (raise pixelCache.maximumBytes / --pixel-cache-budget, or lower frameScale); epochs decode from the image files`,
      );
    }
  }

  /**
   * Publishes `pass`'s file (`finish`) without the caller waiting: the flush to disk overlaps
   * whatever the caller does next (the next epoch's first batches, training steps). The next
   * {@link startPass} of this file (from any `PixelCache` of this process) and {@link written}
   * wait for it.
   */
  finishInBackground(pass: PixelCachePass): void {
    const previous = publications.get(this.file) ?? Promise.resolve();
    // `finish` reports its own failures (a warning, nothing published) and never rejects.
    const publication = previous.then(() => pass.finish()).catch(() => undefined);
    publications.set(this.file, publication);
    publication.then(() => {
      if (publications.get(this.file) === publication) publications.delete(this.file);
    });
  }

  /** Resolves once the passes finished so far are published (or dropped with a warning). */
  async written(): Promise<void> {
    await publications.get(this.file);
  }

  /** Starts one pass over the dataset: reads the index and checks every slot against its file. */
  async startPass(): Promise<PixelCachePass> {
    await this.written();
    const states = await Promise.all(
      this.sources.map((path) =>
        stat(path).then(
          // Whole milliseconds, as `stats.mtime` rounds them (sub-ms digits do not survive `utimes`).
          (info): SourceState => ({ size: info.size, mtimeMs: Math.round(info.mtimeMs) }),
          () => undefined,
        ),
      ),
    );
    const existing = await this.readIndex();
    const valid: Array<string | undefined> = new Array(this.sources.length).fill(undefined);
    if (existing) {
      await Promise.all(
        existing.entries.map(async (entry, slot) => {
          const state = states[slot];
          if (state === undefined || entry.path !== this.sources[slot]) return;
          if (state.size === entry.size && state.mtimeMs === entry.mtimeMs) {
            valid[slot] = entry.key;
            return;
          }
          // Touched: valid only if the bytes are the ones the frame was decoded from.
          const bytes = await readFile(entry.path).catch(() => undefined);
          if (bytes && contentKey(bytes) === entry.key) valid[slot] = entry.key;
        }),
      );
    }
    const complete = valid.every((key) => key !== undefined);
    return new PixelCachePass({
      file: this.file,
      reader: existing?.handle,
      valid,
      states,
      sources: this.sources,
      frameBytes: this.frameBytes,
      write: !complete && !this.disabled,
      warn: this.warn,
    });
  }

  /** The open cache file and its index, or `undefined` when absent, truncated or of another layout. */
  private async readIndex(): Promise<{ handle: FileHandle; entries: CacheEntry[] } | undefined> {
    if (this.disabled) return undefined;
    const handle = await open(this.file, 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      const { size } = await handle.stat();
      const pixelBytes = this.sources.length * this.frameBytes;
      if (size < pixelBytes + footerBytes) throw new Error('short');
      const footer = Buffer.alloc(footerBytes);
      await handle.read(footer, 0, footerBytes, size - footerBytes);
      if (footer.toString('latin1', 8, 16) !== magic) throw new Error('no footer');
      const indexLength = Number(footer.readBigUInt64LE(0));
      if (pixelBytes + indexLength + footerBytes !== size) throw new Error('length');
      const index = Buffer.alloc(indexLength);
      await handle.read(index, 0, indexLength, pixelBytes);
      const parsed = JSON.parse(index.toString('utf8')) as {
        frameBytes: number;
        entries: CacheEntry[];
      };
      if (parsed.frameBytes !== this.frameBytes || parsed.entries.length !== this.sources.length) {
        throw new Error('layout');
      }
      return { handle, entries: parsed.entries };
    } catch {
      await handle.close();
      return undefined;
    }
  }
}

/** Options of {@link PixelCachePass}. */
interface PixelCachePassOptions {
  file: string;
  reader: FileHandle | undefined;
  valid: Array<string | undefined>;
  states: Array<SourceState | undefined>;
  sources: readonly string[];
  frameBytes: number;
  write: boolean;
  warn: (message: string) => void;
}

/**
 * One pass over a {@link PixelCache}: `get` reads valid frames; when the pass writes (some slot
 * was missing or stale), `put` stores every frame the pass loads and `finish` publishes the new
 * file if every slot was stored. `close` drops an unfinished pass (nothing published).
 */
export class PixelCachePass {
  private readonly options: PixelCachePassOptions;
  private writer: Promise<FileHandle | undefined> | undefined;
  private readonly temporary: string;
  private readonly entries: Array<CacheEntry | undefined>;
  private readonly writes: Promise<void>[] = [];
  private closed = false;
  /** Frames read from the cache this pass. */
  hits = 0;
  /** Frames that had to be decoded this pass. */
  misses = 0;

  constructor(options: PixelCachePassOptions) {
    this.options = options;
    this.temporary = temporaryPathFor(options.file);
    this.entries = new Array(options.sources.length).fill(undefined);
  }

  /** True when this pass writes a new cache file. */
  get writing(): boolean {
    return this.options.write;
  }

  /**
   * The cached frame and content key of `slot`, or `undefined` (a miss). The frame is read into
   * `into` when it is given and of the frame's size (a buffer the caller reuses), else into a
   * new buffer.
   */
  async get(
    slot: number,
    into?: Uint8Array,
  ): Promise<{ frame: Uint8Array; key: string } | undefined> {
    const key = this.options.valid[slot];
    const reader = this.options.reader;
    if (key === undefined || reader === undefined || this.closed) {
      this.misses++;
      return undefined;
    }
    // Every byte is overwritten by the read (checked below): no need to zero it first.
    const frame =
      into?.length === this.options.frameBytes ? into : Buffer.allocUnsafe(this.options.frameBytes);
    const { bytesRead } = await reader.read(frame, 0, frame.length, slot * frame.length);
    if (bytesRead !== frame.length) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return { frame, key };
  }

  /** Stores `frame` (decoded from bytes whose content key is `key`) in the file being written. */
  put(slot: number, frame: Uint8Array, key: string): void {
    if (!this.options.write || this.closed || this.entries[slot] !== undefined) return;
    const state = this.options.states[slot];
    if (state === undefined || frame.length !== this.options.frameBytes) return;
    this.entries[slot] = { path: this.options.sources[slot] as string, ...state, key };
    const writer = this.openWriter();
    this.writes.push(
      writer.then(async (handle) => {
        if (handle) await handle.write(frame, 0, frame.length, slot * frame.length);
      }),
    );
  }

  /**
   * Where someone else (a view thread) may write `slot`'s frame into the file being written:
   * its path (created by now) and the slot's offset; `undefined` when this pass does not store
   * that slot. Report the frame written with {@link stored}.
   */
  async frameSlot(slot: number): Promise<FrameFileSlot | undefined> {
    if (!this.options.write || this.closed || this.entries[slot] !== undefined) return undefined;
    if (this.options.states[slot] === undefined) return undefined;
    const handle = await this.openWriter();
    return handle && !this.closed
      ? { path: this.temporary, offset: slot * this.options.frameBytes }
      : undefined;
  }

  /** Records that `slot`'s frame, decoded from bytes of content key `key`, is in the file. */
  stored(slot: number, key: string): void {
    const state = this.options.states[slot];
    if (!this.options.write || this.closed || state === undefined) return;
    this.entries[slot] ??= { path: this.options.sources[slot] as string, ...state, key };
  }

  /** The temporary file, created (with its folder) on first use; `undefined` when it cannot be. */
  private openWriter(): Promise<FileHandle | undefined> {
    this.writer ??= mkdir(join(this.options.file, '..'), { recursive: true })
      .then(() => open(this.temporary, 'w'))
      .catch((error: unknown) => {
        this.options.warn(`pixel cache not written (${(error as Error).message})`);
        return undefined;
      });
    return this.writer;
  }

  /** Publishes the new file when every slot was stored, then closes the pass. */
  async finish(): Promise<void> {
    if (this.closed) return;
    const handle = this.writer ? await this.writer : undefined;
    try {
      await Promise.all(this.writes);
      if (handle && this.entries.every((entry) => entry !== undefined)) {
        const index = Buffer.from(
          JSON.stringify({ frameBytes: this.options.frameBytes, entries: this.entries }),
          'utf8',
        );
        const footer = Buffer.alloc(footerBytes);
        footer.writeBigUInt64LE(BigInt(index.length), 0);
        footer.write(magic, 8, 'latin1');
        const offset = this.options.sources.length * this.options.frameBytes;
        await handle.write(index, 0, index.length, offset);
        await handle.write(footer, 0, footerBytes, offset + index.length);
        await handle.sync();
        await handle.close();
        // The old file stays readable by other passes until the rename replaces it.
        await rename(this.temporary, this.options.file);
        return;
      }
    } catch (error) {
      this.options.warn(`pixel cache not written (${(error as Error).message})`);
    } finally {
      await this.close();
    }
  }

  /** Ends the pass without publishing; removes a half-written file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handle = this.writer ? await this.writer : undefined;
    await Promise.allSettled(this.writes);
    await handle?.close().catch(() => undefined);
    await this.options.reader?.close().catch(() => undefined);
    if (handle) await rm(this.temporary, { force: true });
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
