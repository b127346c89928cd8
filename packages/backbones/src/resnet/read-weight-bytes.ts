import { AssetNotFoundError, type WeightSource } from '@graft/core';

/** Options of {@link readWeightBytes}. */
export interface ReadWeightBytesOptions {
  /** The weight source (canonical URL, mirror path, checksum). */
  source: WeightSource;
  /** Explicit file path (Node) or URL (browser), bypassing cache, mirror and canonical URL. */
  weightsPath?: string;
  /** Cache directory (Node). Default: core's `defaultCacheDir()` (`GRAFT_CACHE_DIR` …). */
  cacheDir?: string;
  /** Mirror roots holding the canonical paths (Node). Default: `GRAFT_MIRROR`. */
  mirrorDirs?: readonly string[];
  /** Never download (Node). Default: `GRAFT_OFFLINE=1`. */
  offline?: boolean;
  /** Download progress (Node). */
  onProgress?: (progress: {
    fileName: string;
    receivedBytes: number;
    totalBytes: number | undefined;
  }) => void;
}

/** The bytes of a weights file and the path or URL they came from (for error messages). */
export interface WeightBytes {
  /** The whole file. */
  bytes: Uint8Array;
  /** Path or URL read. */
  file: string;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Fetches a weights file. In Node: core's `resolveAsset` (explicit path → cache → mirror →
 * download from the canonical URL, written atomically), imported lazily so browser bundles never
 * load Node modules. In a browser: `fetch` of `weightsPath` or the canonical URL.
 */
export async function readWeightBytes(options: ReadWeightBytesOptions): Promise<WeightBytes> {
  const { source } = options;
  if (isNode()) {
    const [{ resolveAsset }, { readFile }] = await Promise.all([
      import('@graft/core/node'),
      import('node:fs/promises'),
    ]);
    const resolved = await resolveAsset({
      relativePath: source.mirrorPath,
      url: source.url,
      ...(source.sha256 === undefined ? {} : { sha256: source.sha256 }),
      ...(options.weightsPath === undefined ? {} : { explicitPath: options.weightsPath }),
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.mirrorDirs === undefined ? {} : { mirrorDirs: options.mirrorDirs }),
      ...(options.offline === undefined ? {} : { offline: options.offline }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    return { bytes: await readFile(resolved.path), file: resolved.path };
  }
  const url = options.weightsPath ?? source.url;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw notFound(source, url, `fetching it failed (${String(error)})`, error);
  }
  if (!response.ok) throw notFound(source, url, `HTTP ${response.status} ${response.statusText}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), file: url };
}

function notFound(
  source: WeightSource,
  url: string,
  reason: string,
  cause?: unknown,
): AssetNotFoundError {
  return new AssetNotFoundError({
    fileName: source.mirrorPath,
    searched: [url],
    putItAt: source.mirrorPath,
    url: source.url,
    reason,
    cause,
  });
}
