import { AssetNotFoundError, type WeightSource } from '@graft/core';
import { isNode, type WeightResolutionOptions } from '../weights/weight-resolution.js';

/** Options of {@link readWeightBytes}. */
export interface ReadWeightBytesOptions extends WeightResolutionOptions {
  /** The weight source (canonical URL, mirror path, checksum). */
  source: WeightSource;
}

/** The bytes of a weights file and the path or URL they came from (for error messages). */
export interface WeightBytes {
  /** The whole file. */
  bytes: Uint8Array;
  /** Path or URL read. */
  file: string;
  /** How it was found (explicit path, cache, mirror, download; `http` in a browser). */
  origin: 'explicit' | 'cache' | 'mirror' | 'download' | 'http';
}

/**
 * Fetches a single-file weights source (safetensors). In Node: core's `resolveAsset` (explicit
 * path → cache → mirror → download from the canonical URL, written atomically), imported lazily
 * so browser bundles never load Node modules. In a browser: `fetch` of `weightsPath` or the
 * canonical URL.
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
      sha256: options.weightsPath === undefined ? source.sha256 : undefined,
      explicitPath: options.weightsPath,
      cacheDir: options.cacheDir,
      mirrorDirs: options.mirrorDirs,
      offline: options.offline,
      onProgress: options.onProgress,
      signal: options.signal,
      fetch: options.fetch,
    });
    return { bytes: await readFile(resolved.path), file: resolved.path, origin: resolved.origin };
  }
  return readWeightBytesOverHttp(options);
}

/** The browser side of {@link readWeightBytes}: fetches `weightsPath` or the canonical URL. */
export async function readWeightBytesOverHttp(
  options: ReadWeightBytesOptions,
): Promise<WeightBytes> {
  const { source } = options;
  const location = options.weightsPath ?? source.url;
  const fetchFunction = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFunction(location, { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw notFound(source, location, `fetching it failed (${String(error)})`, error);
  }
  if (!response.ok) {
    throw notFound(
      source,
      location,
      `HTTP ${response.status} ${response.statusText} from ${location}`,
    );
  }
  return { bytes: new Uint8Array(await response.arrayBuffer()), file: location, origin: 'http' };
}

function notFound(
  source: WeightSource,
  location: string,
  reason: string,
  cause?: unknown,
): AssetNotFoundError {
  return new AssetNotFoundError({
    fileName: location.split('/').pop() ?? location,
    searched: [location],
    putItAt: 'a URL you serve, passed as `weightsPath`',
    url: source.url,
    reason,
    cause,
  });
}
