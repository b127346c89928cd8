import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path/posix';
import { InvalidArgumentError } from '@graft/core';
import { resolveAsset } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import { readKerasH5Weights } from '../formats/keras-h5.js';
import { decodeTfjsLayersWeights } from '../formats/tfjs-layers-weights.js';
import { weightProvenance } from '../weights/weight-provenance.js';
import type { LoadedWeights, LoadWeightsOptions } from '../weights/weight-resolution.js';
import { fileSystemIOHandler } from './file-io-handler.js';
import { inspectWeightsFile } from './inspect-weights-file.js';

/**
 * Node side of `loadWeights`: resolves the file (and, for TF.js, every shard) explicit path →
 * cache → mirror → download with core's `resolveAsset`, then reads it.
 */
export async function loadWeightsFromFiles(options: LoadWeightsOptions): Promise<LoadedWeights> {
  // An explicit file is whatever its bytes say, whatever the built-in source's format.
  const explicit =
    options.weightsPath === undefined
      ? undefined
      : await inspectWeightsFile({
          path: options.weightsPath,
          accepted: ['tfjs-layers', 'keras-h5'],
          ...(options.reader !== undefined ? { reader: options.reader } : {}),
        });
  const source = explicit ? { ...options.source, format: explicit.format } : options.source;
  if (source.format === 'safetensors' || source.format === 'pytorch') {
    throw new InvalidArgumentError({
      argument: 'source.format',
      value: source.format,
      expected:
        'must be tfjs-layers or keras-h5 for Keras-named weights (safetensors and PyTorch checkpoints are read by the torchvision loaders)',
    });
  }
  const resolution = {
    cacheDir: options.cacheDir,
    mirrorDirs: options.mirrorDirs,
    offline: options.offline,
    onProgress: options.onProgress,
    signal: options.signal,
    fetch: options.fetch,
  };
  const resolved = await resolveAsset({
    ...resolution,
    relativePath: source.mirrorPath,
    url: source.url,
    sha256: options.weightsPath === undefined ? source.sha256 : undefined,
    explicitPath: explicit?.path,
  });
  // What both formats return: the tensors, and what was loaded (sha256 of the weight bytes).
  const loaded = (tensors: LoadedWeights['tensors'], bytes: Uint8Array) => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return {
      tensors,
      sha256,
      location: resolved.path,
      origin: resolved.origin,
      source,
      provenance: weightProvenance({
        location: resolved.path,
        origin: resolved.origin,
        format: source.format,
        sha256,
        source,
      }),
    };
  };
  if (source.format === 'keras-h5') {
    const data = await readFile(resolved.path);
    const { tensors } = await readKerasH5Weights({ data, file: resolved.path });
    return loaded(tensors, data);
  }
  // Shards sit beside model.json: beside the resolved file when explicit or found locally,
  // else under the same relative folder in the cache/mirror, downloaded beside the URL.
  const handler = fileSystemIOHandler({
    modelJsonPath: resolved.path,
    resolveShard: async (relativePath) => {
      if (resolved.origin === 'explicit') return join(dirname(resolved.path), relativePath);
      const shard = await resolveAsset({
        ...resolution,
        relativePath: join(dirname(source.mirrorPath), relativePath),
        url: new URL(relativePath, source.url).href,
      });
      return shard.path;
    },
  });
  const artifacts = await handler.load();
  const tensors = decodeTfjsLayersWeights({ artifacts, file: resolved.path });
  return loaded(
    tensors,
    new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? [])),
  );
}
