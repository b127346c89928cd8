import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Options of {@link fileSystemIOHandler}. */
export interface FileSystemIOHandlerOptions {
  /** Path of the `model.json`. */
  modelJsonPath: string;
  /**
   * Finds a shard named in `weightsManifest[].paths` (relative to `model.json`); default: the
   * file beside `model.json`. Lets weight resolution look in caches and mirrors.
   */
  resolveShard?: (relativePath: string) => Promise<string>;
}

/**
 * A `tf.io.IOHandler` that loads a TF.js LayersModel from the file system (`model.json` and the
 * shards its manifest names) with plain `fs` reads, so no `tfjs-node` is needed:
 * `tf.loadLayersModel(fileSystemIOHandler({ modelJsonPath }))`.
 */
export function fileSystemIOHandler(
  options: FileSystemIOHandlerOptions,
): tf.io.IOHandler & { load: NonNullable<tf.io.IOHandler['load']> } {
  const modelJsonPath = resolve(options.modelJsonPath);
  const resolveShard =
    options.resolveShard ??
    (async (relativePath: string) => join(dirname(modelJsonPath), relativePath));
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const text = await readOrExplain(modelJsonPath, modelJsonPath);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(text.toString('utf8')) as tf.io.ModelJSON;
      } catch (error) {
        throw new FileFormatError({
          file: modelJsonPath,
          problem: 'is not valid JSON',
          cause: error,
        });
      }
      if (modelJson.modelTopology === undefined || !Array.isArray(modelJson.weightsManifest)) {
        throw new FileFormatError({
          file: modelJsonPath,
          problem: 'has no `modelTopology` or `weightsManifest`: not a TF.js LayersModel',
        });
      }
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of modelJson.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const relativePath of group.paths) {
          const shardPath = await resolveShard(relativePath);
          const bytes = await readOrExplain(shardPath, modelJsonPath);
          buffers.push(
            bytes.buffer.slice(
              bytes.byteOffset,
              bytes.byteOffset + bytes.byteLength,
            ) as ArrayBuffer,
          );
        }
      }
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        trainingConfig: modelJson.trainingConfig,
        userDefinedMetadata: modelJson.userDefinedMetadata,
        weightSpecs,
        weightData: buffers,
      };
    },
  };
}

async function readOrExplain(path: string, modelJsonPath: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new AssetNotFoundError({
      fileName: path.split(/[\\/]/).pop() ?? path,
      searched: [path],
      putItAt: path,
      reason:
        path === modelJsonPath
          ? 'it cannot be read'
          : `it is a shard of ${modelJsonPath} and cannot be read`,
      cause: error,
    });
  }
}
