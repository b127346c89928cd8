import type { WeightSource } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { WeightProvenance } from './weight-provenance.js';

/** How weight files are found; every field has an environment-variable default in Node. */
export interface WeightResolutionOptions {
  /** Explicit path (Node) or URL (browser) of the weights file or `model.json`: used as is. */
  weightsPath?: string;
  /** Cache directory. Default: `GRAFT_CACHE_DIR`, else `$XDG_CACHE_HOME/graft`, else `~/.cache/graft`. */
  cacheDir?: string;
  /** Mirror roots holding canonical file names. Default: `GRAFT_MIRROR` (a path-delimiter list). */
  mirrorDirs?: readonly string[];
  /** Never download. Default: `GRAFT_OFFLINE=1`. */
  offline?: boolean;
  /** Called as bytes arrive during a download. */
  onProgress?: (progress: {
    fileName: string;
    receivedBytes: number;
    totalBytes: number | undefined;
  }) => void;
  /** Cancels a download. */
  signal?: AbortSignal;
  /** The fetch used for downloads (tests and proxies inject one). Default: global `fetch`. */
  fetch?: typeof fetch;
}

/** Options of `loadWeights` (and its Node side, `loadWeightsFromFiles`). */
export interface LoadWeightsOptions extends WeightResolutionOptions {
  /** The weight source to load (format, canonical URL, mirror path). */
  source: WeightSource;
  /** What loads the weights, for messages about a wrong file, e.g. `backbone mobilenet_v2_1.0_224`. */
  reader?: string;
}

/** Weights read from a file, keyed by Keras weight name. */
export interface LoadedWeights {
  /** Tensors keyed by `<layer>/<weight>`; the caller disposes them. */
  tensors: Map<string, tf.Tensor>;
  /** sha256 (hex) of the weight bytes (the `.h5`, or the concatenated shards). */
  sha256: string;
  /** Where the file was found (path or URL). */
  location: string;
  /** How it was found. */
  origin: 'explicit' | 'cache' | 'mirror' | 'download' | 'http';
  /** The source it came from (for an explicit file, only the format is known to be right). */
  source: WeightSource;
  /** What was actually read: location, format, sha256, and source/licence only for known files. */
  provenance: WeightProvenance;
}

/** The format of an explicit weights path, from its extension; `undefined` if unknown. */
export function formatOfPath(path: string): WeightSource['format'] | undefined {
  if (/\.json$/i.test(path)) return 'tfjs-layers';
  if (/\.(h5|hdf5|keras\.h5)$/i.test(path)) return 'keras-h5';
  if (/\.safetensors$/i.test(path)) return 'safetensors';
  if (/\.(pth|pt)$/i.test(path)) return 'pytorch';
  return undefined;
}

/** sha256 (hex) of bytes with Web Crypto (browsers and Node ≥ 19). */
export async function sha256Hex(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data as BufferSource);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Whether the code runs in Node (where weights come from files via `resolveAsset`). */
export function isNode(): boolean {
  const processLike = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof processLike?.versions?.node === 'string';
}
