import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link decodeTfjsLayersWeights}. */
export interface DecodeTfjsLayersWeightsOptions {
  /** Model artifacts from any IOHandler (`fileSystemIOHandler`, `tf.io.http`, `tf.io.fromMemory`). */
  artifacts: tf.io.ModelArtifacts;
  /** The `model.json` name or path, for error messages. */
  file: string;
}

/**
 * Decodes the weights of a TF.js LayersModel (`model.json` + binary shards) into tensors keyed by
 * their Keras names (e.g. `Conv1/kernel`, `block_3_depthwise/depthwise_kernel`). Checks that the
 * shards hold exactly the bytes the manifest describes, so a truncated shard is an error rather
 * than garbage. The caller disposes the tensors.
 */
export function decodeTfjsLayersWeights(
  options: DecodeTfjsLayersWeightsOptions,
): Map<string, tf.Tensor> {
  const { artifacts, file } = options;
  const specs = artifacts.weightSpecs;
  const data = artifacts.weightData;
  if (specs === undefined || data === undefined) {
    throw new FileFormatError({ file, problem: 'no weights manifest or no weight data' });
  }
  const buffer = tf.io.CompositeArrayBuffer.join(data);
  const expectedBytes = specs.reduce((total, spec) => total + byteSizeOf(spec, file), 0);
  if (buffer.byteLength !== expectedBytes) {
    throw new FileFormatError({
      file,
      problem: `the weight shards hold ${buffer.byteLength} bytes but the manifest describes ${expectedBytes} (truncated or mismatched shards)`,
    });
  }
  const decoded = tf.io.decodeWeights(buffer, specs);
  return new Map(Object.entries(decoded));
}

function byteSizeOf(spec: tf.io.WeightsManifestEntry, file: string): number {
  const count = spec.shape.reduce((product, size) => product * size, 1);
  if (spec.quantization !== undefined) {
    const bytes = { uint8: 1, uint16: 2, float16: 2 }[spec.quantization.dtype];
    return count * bytes;
  }
  const bytes = { float32: 4, int32: 4, bool: 1 }[spec.dtype as 'float32' | 'int32' | 'bool'];
  if (bytes === undefined) {
    throw new FileFormatError({
      file,
      problem: `weight ${spec.name} has unsupported dtype ${JSON.stringify(spec.dtype)}`,
    });
  }
  return count * bytes;
}
