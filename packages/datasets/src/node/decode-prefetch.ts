import { Worker } from 'node:worker_threads';
import { InvalidArgumentError } from '@graft/core';
import { workerThreadEntry } from '@graft/core/node';
import { type DecodeLimits, maximumPixelsOf } from '../decoders/pixel-limit.js';
import type { ResizeTarget } from './decode-image.js';
import type {
  DecodePrefetchReply,
  DecodePrefetchRequest,
  DecodePrefetchTargetMessage,
} from './decode-prefetch-thread.js';

/** Options of {@link DecodePrefetch}. */
export interface DecodePrefetchOptions {
  /** Image files, in the order they will be asked for (earlier ones are decoded first). */
  paths: readonly string[];
  /**
   * Where every file is decoded to: the size and resize policy of the datasets that take them.
   * Omitted when not known yet (a program still loading): files are then decoded at their own
   * size with `limits` and kept (a bounded number) until {@link DecodePrefetch.setTarget}.
   */
  target?: ResizeTarget;
  /** The decode limits while `target` is omitted (`target`'s own otherwise). Default: the decoders'. */
  limits?: DecodeLimits;
  /** Worker threads decoding. Default 1 (the other core runs the rest of the start-up). */
  threads?: number;
  /**
   * Most files decoded ahead; later ones are left to the dataset. Default 1024 (~150 MB at 224²).
   */
  limit?: number;
}

/** A decoded file: resized pixels and content key, as `FileImageDataset` loads them. */
export interface PrefetchedImage {
  pixels: Uint8Array;
  key: string;
}

/**
 * Decodes image files in worker threads before anything asks for them, so a program can
 * decode while it does other work (`graft train` loads the backbone's weights meanwhile). A
 * `FileImageDataset` given it (`decodePrefetch`) takes a file's pixels from here instead of
 * decoding it; the thread runs the same `decodeImage` (one decode + resize path everywhere), so
 * the pixels are the same. A file the thread could not decode is left to the dataset, which
 * reports it as it would have. Each file is handed out once.
 */
export class DecodePrefetch {
  private resizeTarget: ResizeTarget | undefined;
  private readonly limits: DecodeLimits;
  /** Files sent to the threads (the first `limit` distinct paths). */
  readonly files: number;
  private handed = 0;
  /** Takes whose pixels are still awaited: while there are any, the threads keep the process alive. */
  private awaited = 0;
  private readonly results = new Map<string, Promise<PrefetchedImage | undefined>>();
  /** Content keys of the files decoded so far, by path (kept after the pixels are taken). */
  private readonly keys = new Map<string, string>();
  private readonly workers: Worker[];
  private closed = false;

  constructor(options: DecodePrefetchOptions) {
    const threads = options.threads ?? 1;
    const limit = options.limit ?? 1024;
    for (const [name, value] of [
      ['threads', threads],
      ['limit', limit],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new InvalidArgumentError({
          argument: name,
          value,
          expected: 'must be an integer >= 1',
        });
      }
    }
    this.resizeTarget = options.target;
    this.limits = options.target ?? options.limits ?? {};
    const entry = workerThreadEntry({
      moduleUrl: import.meta.url,
      builtFile: 'decode-prefetch-thread.js',
      bootstrapFile: 'decode-prefetch-bootstrap.mjs',
      packageName: '@graft/datasets',
    });
    const waiting = new Map<number, (image: PrefetchedImage | undefined) => void>();
    const paths = [...new Set(options.paths)].slice(0, limit);
    this.workers = Array.from({ length: threads }, () => {
      const worker = new Worker(entry.url, entry.execArgv ? { execArgv: entry.execArgv } : {});
      worker.on('message', (reply: DecodePrefetchReply) => {
        const path = paths[reply.id];
        if ('pixels' in reply && path !== undefined && !this.closed) this.keys.set(path, reply.key);
        waiting.get(reply.id)?.('pixels' in reply ? reply : undefined);
        waiting.delete(reply.id);
      });
      // A thread that fails leaves its files to the dataset.
      const abandon = () => {
        for (const resolve of waiting.values()) resolve(undefined);
        waiting.clear();
      };
      worker.on('error', abandon);
      worker.on('exit', abandon);
      // Never keeps the process alive: whoever takes a file awaits it.
      worker.unref();
      return worker;
    });
    this.files = paths.length;
    paths.forEach((path, id) => {
      const worker = this.workers[id % threads] as Worker;
      this.results.set(
        path,
        new Promise((resolve) => {
          waiting.set(id, resolve);
          worker.postMessage(
            (options.target
              ? { id, path, target: { ...options.target } }
              : { id, path, limits: { ...this.limits } }) satisfies DecodePrefetchRequest,
          );
        }),
      );
    });
  }

  /** Where the files are decoded to; `undefined` until known. */
  get target(): ResizeTarget | undefined {
    return this.resizeTarget;
  }

  /**
   * Gives the threads the target of files sent without one. Refused (`false`, nothing sent) when
   * a target is already set, or when `target`'s pixel cap differs from the `limits` the files
   * were decoded with (a dataset would then refuse files the threads accepted, or the reverse).
   */
  setTarget(target: ResizeTarget): boolean {
    if (this.closed || this.resizeTarget !== undefined) return false;
    if (maximumPixelsOf(target) !== maximumPixelsOf(this.limits)) return false;
    this.resizeTarget = { ...target };
    for (const worker of this.workers) {
      worker.postMessage({ target: { ...target } } satisfies DecodePrefetchTargetMessage);
    }
    return true;
  }

  /**
   * The file's pixels when it was sent to a thread and `target` is the one it was decoded to
   * (resolving to `undefined` when the thread could not decode it); `undefined` otherwise. A
   * file is handed out once.
   */
  take(path: string, target: ResizeTarget): Promise<PrefetchedImage | undefined> | undefined {
    if (this.closed || this.resizeTarget === undefined || !sameTarget(target, this.resizeTarget)) {
      return undefined;
    }
    const result = this.results.get(path);
    this.results.delete(path);
    if (result === undefined) return undefined;
    // While one is awaited, the thread must keep the process alive; only when none is (not when
    // the last file was taken: other takes may still be waiting) may it let the process exit.
    this.awaited++;
    for (const worker of this.workers) worker.ref();
    return result
      .then((image) => {
        if (image) this.handed++;
        return image;
      })
      .finally(() => {
        this.awaited--;
        if (this.awaited === 0) for (const worker of this.workers) worker.unref();
      });
  }

  /**
   * The content key (`contentKey` of the file's bytes) of a file a thread has decoded, taken or
   * not; `undefined` for one not decoded (yet), not sent, or that failed. Lets
   * `FileImageDataset.imageKeys` skip reading the file again.
   */
  decodedKey(path: string): string | undefined {
    return this.keys.get(path);
  }

  /** Files whose pixels were handed out so far (a run can say whether the prefetch was used). */
  get handedOut(): number {
    return this.handed;
  }

  /** Ends the threads; files not taken are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    this.results.clear();
    this.keys.clear();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

function sameTarget(a: ResizeTarget, b: ResizeTarget): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** `target` with its keys sorted and the pixel cap's default filled in. */
function canonical(target: ResizeTarget) {
  const resize = target.resize as unknown as Record<string, unknown>;
  return {
    imageSize: [target.imageSize[0], target.imageSize[1]],
    resize: Object.keys(resize)
      .sort()
      .map((key) => [key, resize[key]]),
    maximumPixels: maximumPixelsOf(target),
  };
}
