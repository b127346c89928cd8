import '@tensorflow/tfjs-backend-cpu';
import {
  InvalidArgumentError,
  type Preprocessing,
  teachableMachinePreprocessing,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { teachableMachineBackbone } from './teachable-machine-backbone.js';

const preprocessing: Preprocessing = {
  inputSize: [16, 16],
  channelOrder: 'rgb',
  inputRange: [-1, 128 / 127],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'center-crop', cropFraction: 1, interpolation: 'bilinear' },
};

/**
 * A small model in Teachable Machine's layout (`loadTruncatedMobileNet` + `train` of
 * @teachablemachine/image): Sequential[Sequential[functional CNN cut at `out_relu`,
 * GlobalAveragePooling2D], Sequential[dense relu, dense softmax]], saved and loaded again as TM's
 * loader gets it. Layer names follow MobileNetV2's.
 */
async function teachableMachineShapedModel(): Promise<tfl.LayersModel> {
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, name: 'Conv1', kernelInitializer: 'glorotUniform' })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn_Conv1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 6, kernelSize: 1, name: 'block_1_expand', useBias: false })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ name: 'out_relu' }).apply(x) as tfl.SymbolicTensor;
  const cut = tfl.model({ inputs: input, outputs: x });
  const truncated = tfl.sequential();
  truncated.add(cut);
  truncated.add(tfl.layers.globalAveragePooling2d({}));
  const head = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 5, activation: 'relu' }),
      tfl.layers.dense({ units: 2, activation: 'softmax', useBias: false }),
    ],
  });
  const joint = tfl.sequential();
  joint.add(truncated);
  joint.add(head);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await joint.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  joint.dispose();
  head.dispose();
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
}

/** Disposes a loaded nested model completely (tfjs leaves the inner head's weights). */
function disposeAll(model: tfl.LayersModel): void {
  const weights = model.weights;
  model.dispose();
  for (const weight of weights) {
    if (!(weight as unknown as { val: tf.Variable }).val.isDisposed) weight.dispose();
  }
}

describe('teachableMachineBackbone', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("is TM's pooled features, on its own copy of the weights", async () => {
    const before = tf.memory().numTensors;
    const model = await teachableMachineShapedModel();
    const backbone = await teachableMachineBackbone({ model, preprocessing });
    expect(backbone.featureDim).toBe(6);
    expect(backbone.preprocessing).toBe(preprocessing);
    expect(backbone.stages).toEqual(['Conv1', 'block_1']);
    expect(backbone.weightsId).toMatch(/^teachable-machine:sha256-[0-9a-f]{16}:avg$/);
    expect(backbone.model.trainableWeights).toHaveLength(0);

    const images = tf.randomUniform([3, 16, 16, 3], -1, 1, 'float32', 5);
    const truncated = model.layers[0] as tfl.LayersModel;
    const expected = truncated.predict(images) as tf.Tensor;
    const expectedValues = Array.from(await expected.data());
    disposeAll(model);
    // The source is gone; the backbone still has its weights.
    const features = backbone.model.predict(images) as tf.Tensor;
    expect(features.shape).toEqual([3, 6]);
    const values = Array.from(await features.data());
    const difference = Math.max(
      ...values.map((value, index) => Math.abs(value - (expectedValues[index] ?? Number.NaN))),
    );
    expect(difference).toBeLessThan(1e-6);
    const folded = backbone.inferenceModel().predict(images) as tf.Tensor;
    const foldedValues = Array.from(await folded.data());
    expect(
      Math.max(...foldedValues.map((value, index) => Math.abs(value - (values[index] ?? 0)))),
    ).toBeLessThan(1e-4);
    backbone.unfreeze({ from: 'block_1' });
    expect(backbone.model.trainableWeights.map((weight) => weight.originalName)).toEqual([
      'block_1_expand/kernel',
    ]);
    tf.dispose([images, expected, features, folded]);
    backbone.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a model that is not in Teachable Machine layout, naming its layers', async () => {
    const input = tfl.input({ shape: [4] });
    const plain = tfl.model({
      inputs: input,
      outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor,
      name: 'plain',
    });
    const error = await teachableMachineBackbone({ model: plain, preprocessing }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/must be a Teachable Machine image model/);
    expect((error as Error).message).toContain('plain: InputLayer, Dense');
    plain.dispose();
  });

  it("defaults to Teachable Machine's preprocessing at the model's input size", async () => {
    const model = await teachableMachineShapedModel();
    const backbone = await teachableMachineBackbone({ model });
    expect(backbone.preprocessing).toEqual(teachableMachinePreprocessing(16));
    backbone.dispose();
    disposeAll(model);
  });
});
