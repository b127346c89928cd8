import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeModelDirectory } from '../node/classifier-files.js';

/** Folder of the Teachable Machine MobileNetV2 α=0.35 base under the shared weights mirror. */
export const teachableMachineBaseName =
  'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';

/** Options of {@link writeTeachableMachineClassifier}. */
export interface WriteTeachableMachineClassifierOptions {
  /** Directory to write `model.json`, `weights.bin` and `metadata.json` into (created). */
  directory: string;
  /** Folder holding the TM base's `model.json` + shard (`<mirror>/teachable-machine/<name>`). */
  baseDirectory: string;
  /** Class names (TM's `labels`). */
  labels: readonly string[];
  /** Units of the hidden dense layer (TM's `denseUnits`). Default 100, TM's default. */
  denseUnits?: number;
  /** Seed of the head's random initialisation. Default 1. */
  seed?: number;
}

/**
 * Writes a genuine Teachable Machine image classifier the way `@teachablemachine/image` 0.8.5
 * builds and exports it: `loadTruncatedMobileNet` (MobileNetV2 cut at `out_relu`, then global
 * average pooling, in a Sequential), `train`'s head (Sequential of dense relu with bias and dense
 * softmax without bias, variance-scaling initialised; here seeded instead of trained), both
 * nested in one Sequential; saved as `model.json` + `weights.bin` and TM's `metadata.json`.
 */
export async function writeTeachableMachineClassifier(
  options: WriteTeachableMachineClassifierOptions,
): Promise<{ directory: string; metadata: Record<string, unknown> }> {
  const { directory, baseDirectory, labels } = options;
  const seed = options.seed ?? 1;
  const baseJson = JSON.parse(await readFile(join(baseDirectory, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const shards: ArrayBuffer[] = [];
  for (const group of baseJson.weightsManifest) {
    for (const path of group.paths) {
      const bytes = await readFile(join(baseDirectory, path));
      shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  const mobilenet = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: baseJson.modelTopology,
      weightSpecs: baseJson.weightsManifest.flatMap((group) => group.weights),
      weightData: tf.io.concatenateArrayBuffers(shards),
    }),
  );
  // custom-mobilenet.ts, loadTruncatedMobileNet (version 2).
  const layer = mobilenet.getLayer('out_relu');
  const truncatedModel = tfl.model({ inputs: mobilenet.inputs, outputs: layer.output });
  const truncated = tfl.sequential();
  truncated.add(truncatedModel);
  truncated.add(tfl.layers.globalAveragePooling2d({}));
  // teachable-mobilenet.ts, train().
  const inputSize = tf.util.sizeFromShape((truncated.outputs[0]?.shape ?? []).slice(1) as number[]);
  const varianceScaling = tfl.initializers.varianceScaling({ seed });
  const trainingModel = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [inputSize],
        units: options.denseUnits ?? 100,
        activation: 'relu',
        kernelInitializer: varianceScaling,
        useBias: true,
      }),
      tfl.layers.dense({
        kernelInitializer: varianceScaling,
        useBias: false,
        activation: 'softmax',
        units: labels.length,
      }),
    ],
  });
  // custom-mobilenet.ts, fillMetadata, plus the fields the Teachable Machine site adds.
  const metadata = {
    tfjsVersion: '1.3.1',
    tmVersion: '2.4.10',
    packageVersion: '0.8.4-alpha2',
    packageName: '@teachablemachine/image',
    timeStamp: '2024-01-01T00:00:00.000Z',
    userMetadata: {},
    modelName: 'tm-my-image-model',
    labels: [...labels],
    imageSize: 224,
  };
  const jointModel = tfl.sequential();
  jointModel.add(truncated);
  jointModel.add(trainingModel);
  try {
    // TM's download names the one weight file `weights.bin`, as Graft's writer does.
    await writeModelDirectory({ model: jointModel, metadata, directory });
  } finally {
    // tfjs reference-counts nested models: the joint model's dispose releases the base (added
    // as the first layer) but leaves the head, which was also counted when it was built.
    jointModel.dispose();
    trainingModel.dispose();
  }
  return { directory, metadata };
}
