import { AssetNotFoundError, InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { readKerasH5Weights } from '../formats/keras-h5.js';
import { decodeTfjsLayersWeights } from '../formats/tfjs-layers-weights.js';
import { weightProvenance } from './weight-provenance.js';
import {
  formatOfPath,
  isNode,
  type LoadedWeights,
  type LoadWeightsOptions,
  sha256Hex,
} from './weight-resolution.js';

// The options type sits with the other resolution types, where the Node loader can read it too.
export type { LoadWeightsOptions } from './weight-resolution.js';

/**
 * Reads a weight source into tensors keyed by Keras weight name. In Node the file is resolved
 * explicit path → cache → mirror (`GRAFT_MIRROR`) → download (core's `resolveAsset`, loaded by
 * dynamic import so this module stays browser-safe); in a browser it is fetched from
 * `weightsPath` or the canonical URL. The caller disposes the tensors.
 */
export async function loadWeights(options: LoadWeightsOptions): Promise<LoadedWeights> {
  if (isNode()) {
    // Node detects an explicit file's format from its bytes (node/inspect-weights-file).
    const node = await import('../node/load-weights-from-files.js');
    return node.loadWeightsFromFiles(options);
  }
  const source =
    options.weightsPath !== undefined
      ? { ...options.source, format: formatOfPath(options.weightsPath) ?? options.source.format }
      : options.source;
  if (source.format === 'safetensors' || source.format === 'pytorch') {
    throw new InvalidArgumentError({
      argument: 'source.format',
      value: source.format,
      expected:
        'must be tfjs-layers or keras-h5 for Keras-named weights (safetensors and PyTorch checkpoints are read by the torchvision loaders)',
    });
  }
  return loadWeightsOverHttp({ ...options, source });
}

/**
 * The browser side of {@link loadWeights}: fetches `weightsPath` or the canonical URL (for
 * TF.js, `model.json` and then the shards beside it). The caller disposes the tensors.
 */
export async function loadWeightsOverHttp(options: LoadWeightsOptions): Promise<LoadedWeights> {
  const { source } = options;
  // Bound: browsers throw "Illegal invocation" when tf.io.http calls an unbound window.fetch.
  const fetchFunction = options.fetch ?? globalThis.fetch.bind(globalThis);
  const location = options.weightsPath ?? source.url;
  const provenance = (sha256: string) =>
    weightProvenance({
      location,
      origin: options.weightsPath === undefined ? 'download' : 'explicit',
      format: source.format,
      sha256,
      source,
    });
  if (source.format === 'keras-h5') {
    const response = await fetchFunction(location, { signal: options.signal });
    if (!response.ok) {
      throw new AssetNotFoundError({
        fileName: location.split('/').pop() ?? location,
        searched: [location],
        putItAt: 'a URL you serve, passed as `weightsPath`',
        url: source.url,
        reason: `HTTP ${response.status} ${response.statusText} from ${location}`,
      });
    }
    const data = new Uint8Array(await response.arrayBuffer());
    const { tensors } = await readKerasH5Weights({ data, file: location });
    const sha256 = await sha256Hex(data);
    return { tensors, sha256, location, origin: 'http', source, provenance: provenance(sha256) };
  }
  const artifacts = await tf.io.http(location, { fetchFunc: fetchFunction }).load!();
  const tensors = decodeTfjsLayersWeights({ artifacts, file: location });
  const joined = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []);
  const sha256 = await sha256Hex(joined);
  return { tensors, sha256, location, origin: 'http', source, provenance: provenance(sha256) };
}
