import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AssetNotFoundError, FileFormatError, GraftError } from '@graft/core';
import { type DownloadProgress, defaultCacheDir, resolveAsset } from '@graft/core/node';
import { type CifarVariant, cifarFormatOf } from './cifar-formats.js';
import { extractTarGz } from './extract-tar-gz.js';

/** Where to find CIFAR files and how to get them. */
export interface CifarLocationOptions {
  /** `cifar-10` or `cifar-100`. */
  variant: CifarVariant;
  /**
   * A folder holding the extracted binary files (`data_batch_1.bin` …, or `train.bin` …). When
   * given, nothing is downloaded.
   */
  directory?: string;
  /** Cache directory (default: core's `defaultCacheDir()`); data goes to `<cache>/cifar/`. */
  cacheDir?: string;
  /** Mirror roots holding `cifar/<archive>` (default `GRAFT_MIRROR`). */
  mirrorDirs?: readonly string[];
  /** Never download (default `GRAFT_OFFLINE=1`). */
  offline?: boolean;
  /** Expected md5 of the archive. Default: the one published for the official archive. */
  md5?: string;
  /** Download progress. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels a download. */
  signal?: AbortSignal;
  /** The fetch to use (tests inject one). */
  fetch?: typeof fetch;
}

/**
 * Finds the folder of extracted CIFAR binary files: `directory` if given; else
 * `<cache>/cifar/<folder>` if complete; else the archive (cache → mirror → download from the
 * official URL), md5-verified and safely extracted into the cache. Offline without a copy, an
 * {@link AssetNotFoundError} says which file to put where.
 */
export async function resolveCifarDirectory(options: CifarLocationOptions): Promise<string> {
  const format = cifarFormatOf(options.variant);
  if (options.directory !== undefined) return resolve(options.directory);
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const extracted = join(cacheDir, 'cifar', format.folder);
  const required = [...format.files.train, ...format.files.test, format.labelNameFiles.fine];
  if (await allFilesExist(extracted, required)) return extracted;

  const archivePath = join(cacheDir, 'cifar', format.archive);
  let archive: Awaited<ReturnType<typeof resolveAsset>>;
  try {
    archive = await resolveAsset({
      relativePath: `cifar/${format.archive}`,
      url: format.url,
      cacheDir,
      ...(options.mirrorDirs === undefined ? {} : { mirrorDirs: options.mirrorDirs }),
      ...(options.offline === undefined ? {} : { offline: options.offline }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  } catch (error) {
    if (!AssetNotFoundError.isInstance(error)) throw error;
    const offline = options.offline ?? process.env.GRAFT_OFFLINE === '1';
    throw new AssetNotFoundError({
      fileName: format.archive,
      searched: [extracted, ...error.searched],
      putItAt:
        `${archivePath}, or extract it so that ${join(extracted, required[0] as string)} exists, ` +
        'or pass the folder of extracted files as `directory`',
      url: format.url,
      reason: offline
        ? 'offline mode (GRAFT_OFFLINE=1) forbids downloading and no extracted copy exists'
        : 'it is not cached and downloading it failed',
      cause: error,
    });
  }

  const expectedMd5 = options.md5 ?? format.md5;
  const actualMd5 = await md5File(archive.path);
  if (actualMd5 !== expectedMd5) {
    // A bad cached/downloaded archive is moved aside so the next run fetches it again.
    if (archive.origin === 'cache' || archive.origin === 'download') {
      await rename(archive.path, `${archive.path}.corrupt-${Date.now()}`);
    }
    throw new GraftError({
      code: 'CHECKSUM_MISMATCH',
      message: `${archive.path} has md5 ${actualMd5}, expected ${expectedMd5} (${format.archive} from ${format.url}).`,
    });
  }
  const staging = join(cacheDir, 'cifar', `${format.folder}.extracting`);
  await extractTarGz({ archive: archive.path, destination: staging });
  try {
    if (!(await allFilesExist(join(staging, format.folder), required))) {
      throw new FileFormatError({
        file: archive.path,
        problem: `the archive has no complete ${format.folder}/ folder (expected ${required.join(', ')})`,
      });
    }
    await rm(extracted, { recursive: true, force: true });
    await rename(join(staging, format.folder), extracted);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return extracted;
}

async function allFilesExist(folder: string, names: readonly string[]): Promise<boolean> {
  for (const name of names) {
    try {
      if (!(await stat(join(folder, name))).isFile()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
