import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { AssetNotFoundError } from '../errors/asset-not-found-error.js';
import { GraftError } from '../errors/graft-error.js';
import { temporaryPathFor } from './write-file-atomic.js';

/** Progress of a download. */
export interface DownloadProgress {
  /** The file being downloaded. */
  fileName: string;
  /** Bytes received so far. */
  receivedBytes: number;
  /** Total bytes, when the server said. */
  totalBytes: number | undefined;
}

/** Options of {@link resolveAsset}. */
export interface ResolveAssetOptions {
  /**
   * Path of the asset relative to a mirror root and the cache, using the canonical file name,
   * e.g. `keras/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5`.
   */
  relativePath: string;
  /** Canonical download URL. Without one, the asset must be found locally. */
  url?: string;
  /** Expected sha256 (hex). Checked after download and for cached files. */
  sha256?: string;
  /** An explicit file path: used as is (it must exist), bypassing everything else. */
  explicitPath?: string;
  /** Cache directory. Default: `GRAFT_CACHE_DIR`, else `$XDG_CACHE_HOME/graft`, else `~/.cache/graft`. */
  cacheDir?: string;
  /** Mirror roots holding canonical file names. Default: `GRAFT_MIRROR` (a `path.delimiter` list). */
  mirrorDirs?: readonly string[];
  /** Never download. Default: `GRAFT_OFFLINE=1`. */
  offline?: boolean;
  /** Called as bytes arrive during a download. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels a download. */
  signal?: AbortSignal;
  /** The fetch to use (tests inject one). Default: global `fetch`. */
  fetch?: typeof fetch;
}

/** Where an asset was found. */
export interface ResolvedAsset {
  /** Absolute path of the file. */
  path: string;
  /** How it was found. */
  origin: 'explicit' | 'cache' | 'mirror' | 'download';
}

/** The cache directory: `GRAFT_CACHE_DIR`, else `$XDG_CACHE_HOME/graft`, else `~/.cache/graft`. */
export function defaultCacheDir(): string {
  const configured = process.env.GRAFT_CACHE_DIR;
  if (configured) return resolve(configured);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'graft');
}

/** Mirror roots from `GRAFT_MIRROR` (separated by `path.delimiter`). */
export function defaultMirrorDirs(): string[] {
  return (process.env.GRAFT_MIRROR ?? '')
    .split(delimiter)
    .filter((entry) => entry.length > 0)
    .map((entry) => resolve(entry));
}

/**
 * Finds a file by its canonical name: explicit path → cache → mirror directories → download from
 * the canonical URL into the cache (written atomically, checksum verified). Offline or failing,
 * throws an {@link AssetNotFoundError} naming the file, every place searched and where to put it.
 */
export async function resolveAsset(options: ResolveAssetOptions): Promise<ResolvedAsset> {
  const fileName = options.relativePath.split('/').pop() ?? options.relativePath;
  if (options.explicitPath !== undefined) {
    const path = resolve(options.explicitPath);
    if (!(await isFile(path))) {
      throw new AssetNotFoundError({
        fileName,
        searched: [path],
        putItAt: path,
        url: options.url,
        reason: 'the explicit path given does not exist or is not a file',
      });
    }
    return { path, origin: 'explicit' };
  }

  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cachePath = join(cacheDir, options.relativePath);
  const searched: string[] = [cachePath];
  if (await isFile(cachePath)) {
    if (options.sha256 === undefined || (await sha256File(cachePath)) === options.sha256) {
      return { path: cachePath, origin: 'cache' };
    }
    // A corrupt cache entry is moved aside (not deleted) and fetched again.
    await rename(cachePath, `${cachePath}.corrupt-${Date.now()}`);
  }

  for (const mirror of options.mirrorDirs ?? defaultMirrorDirs()) {
    const candidate = join(mirror, options.relativePath);
    searched.push(candidate);
    if (await isFile(candidate)) return { path: candidate, origin: 'mirror' };
  }

  const offline = options.offline ?? process.env.GRAFT_OFFLINE === '1';
  if (options.url === undefined || offline) {
    throw new AssetNotFoundError({
      fileName,
      searched,
      putItAt: cachePath,
      url: options.url,
      reason:
        options.url === undefined
          ? 'it has no download URL'
          : 'offline mode (GRAFT_OFFLINE=1) forbids downloading',
    });
  }
  try {
    await download({ ...options, url: options.url, fileName, destination: cachePath });
  } catch (error) {
    if (GraftError.isInstance(error) && error.code === 'CHECKSUM_MISMATCH') throw error;
    if (options.signal?.aborted) throw error;
    throw new AssetNotFoundError({
      fileName,
      searched,
      putItAt: cachePath,
      url: options.url,
      reason: `downloading it failed (${error instanceof Error ? error.message : String(error)})`,
      cause: error,
    });
  }
  return { path: cachePath, origin: 'download' };
}

async function download(
  options: ResolveAssetOptions & { url: string; fileName: string; destination: string },
): Promise<void> {
  const fetchFunction = options.fetch ?? globalThis.fetch;
  const response = await fetchFunction(options.url, { signal: options.signal });
  if (!response.ok || response.body === null) {
    throw new Error(`HTTP ${response.status} ${response.statusText} from ${options.url}`);
  }
  const totalHeader = response.headers.get('content-length');
  const totalBytes = totalHeader === null ? undefined : Number(totalHeader);
  await mkdir(join(options.destination, '..'), { recursive: true });
  const temporary = temporaryPathFor(options.destination);
  const hash = createHash('sha256');
  let receivedBytes = 0;
  const handle = await open(temporary, 'w');
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      await handle.write(value);
      receivedBytes += value.byteLength;
      options.onProgress?.({ fileName: options.fileName, receivedBytes, totalBytes });
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  const digest = hash.digest('hex');
  if (options.sha256 !== undefined && digest !== options.sha256) {
    await rm(temporary, { force: true });
    throw new GraftError({
      code: 'CHECKSUM_MISMATCH',
      message: `${options.fileName} downloaded from ${options.url} has sha256 ${digest}, expected ${options.sha256}. Nothing was written to the cache.`,
    });
  }
  await rename(temporary, options.destination);
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
