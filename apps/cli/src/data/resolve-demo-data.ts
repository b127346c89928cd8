import { rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AssetNotFoundError } from '@graft/core';
import {
  type DownloadProgress,
  defaultCacheDir,
  defaultMirrorDirs,
  resolveAsset,
} from '@graft/core/node';
import { extractZip } from './extract-zip.js';

/** The canonical archive of the PyTorch transfer-learning tutorial's ants/bees set. */
export const hymenopteraUrl = 'https://download.pytorch.org/tutorial/hymenoptera_data.zip';

/** Options of {@link resolveDemoData}. */
export interface ResolveDemoDataOptions {
  /** `GRAFT_DATA_DIR`: a folder holding `hymenoptera/`. */
  dataDir?: string;
  /** `GRAFT_SHARED_DIR`: a folder holding `data/hymenoptera/`. */
  sharedDir?: string;
  /** `GRAFT_MIRROR` roots: `<mirror>/../data/hymenoptera` and `<mirror>/hymenoptera_data` are tried. */
  mirrorDirs?: readonly string[];
  /** Download cache. Default core's `defaultCacheDir()`. */
  cacheDir?: string;
  /** Never download. Default `GRAFT_OFFLINE=1`. */
  offline?: boolean;
  /** Download progress. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels a download. */
  signal?: AbortSignal;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
}

/** Where the ants/bees folder was found. */
export interface DemoData {
  /** Folder with `train/{ants,bees}` and `val/{ants,bees}`. */
  path: string;
  /** How it was found. */
  origin: 'data-dir' | 'shared' | 'mirror' | 'cache' | 'download';
}

/**
 * Finds the ants/bees folder: `$GRAFT_DATA_DIR/hymenoptera` → `$GRAFT_SHARED_DIR/data/hymenoptera`
 * → each mirror's `../data/hymenoptera` and `hymenoptera_data/` → the cache → download and unzip
 * the canonical archive into the cache. Offline with none of them: a clear error.
 */
export async function resolveDemoData(options: ResolveDemoDataOptions = {}): Promise<DemoData> {
  const dataDir = options.dataDir ?? process.env.GRAFT_DATA_DIR;
  const sharedDir = options.sharedDir ?? process.env.GRAFT_SHARED_DIR;
  const mirrors = options.mirrorDirs ?? defaultMirrorDirs();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const candidates: { path: string; origin: DemoData['origin'] }[] = [];
  if (dataDir) candidates.push({ path: join(dataDir, 'hymenoptera'), origin: 'data-dir' });
  if (sharedDir)
    candidates.push({ path: join(sharedDir, 'data', 'hymenoptera'), origin: 'shared' });
  for (const mirror of mirrors) {
    candidates.push({ path: join(mirror, '..', 'data', 'hymenoptera'), origin: 'mirror' });
    candidates.push({ path: join(mirror, 'hymenoptera_data'), origin: 'mirror' });
  }
  const extracted = join(cacheDir, 'data', 'hymenoptera_data');
  candidates.push({ path: extracted, origin: 'cache' });
  for (const candidate of candidates) {
    if (await hasTrainAndVal(candidate.path)) {
      return { path: resolve(candidate.path), origin: candidate.origin };
    }
  }

  const searched = candidates.map((candidate) => resolve(candidate.path));
  let archive: string;
  try {
    archive = (
      await resolveAsset({
        relativePath: 'data/hymenoptera_data.zip',
        url: hymenopteraUrl,
        cacheDir,
        mirrorDirs: mirrors,
        offline: options.offline,
        onProgress: options.onProgress,
        signal: options.signal,
        fetch: options.fetch,
      })
    ).path;
  } catch (error) {
    if (!AssetNotFoundError.isInstance(error)) throw error;
    throw new AssetNotFoundError({
      fileName: 'hymenoptera_data.zip (the ants/bees data set)',
      searched: [...searched, ...error.searched],
      putItAt: join(cacheDir, 'data', 'hymenoptera_data.zip'),
      url: hymenopteraUrl,
      reason:
        (options.offline ?? process.env.GRAFT_OFFLINE === '1')
          ? 'offline mode (GRAFT_OFFLINE=1) forbids downloading it, and no extracted copy ' +
            '(a folder with train/ and val/) was found; GRAFT_DATA_DIR=<dir> finds <dir>/hymenoptera'
          : `downloading it failed (${error.cause instanceof Error ? error.cause.message : 'see above'})`,
      cause: error,
    });
  }
  // Extract beside the final folder and rename, so an interrupted unzip never looks complete.
  const staging = join(cacheDir, 'data', `.hymenoptera_data.${process.pid}.partial`);
  await rm(staging, { recursive: true, force: true });
  await extractZip(archive, staging);
  const inner = (await hasTrainAndVal(join(staging, 'hymenoptera_data')))
    ? join(staging, 'hymenoptera_data')
    : staging;
  if (!(await hasTrainAndVal(inner))) {
    throw new AssetNotFoundError({
      fileName: 'hymenoptera_data.zip',
      searched: [archive],
      putItAt: join(cacheDir, 'data', 'hymenoptera_data.zip'),
      url: hymenopteraUrl,
      reason: 'the archive has no hymenoptera_data/train and val folders',
    });
  }
  await rm(extracted, { recursive: true, force: true });
  await rename(inner, extracted);
  await rm(staging, { recursive: true, force: true });
  return { path: extracted, origin: 'download' };
}

async function hasTrainAndVal(path: string): Promise<boolean> {
  const isDirectory = (child: string) =>
    stat(join(path, child)).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
  return (await isDirectory('train')) && (await isDirectory('val'));
}
