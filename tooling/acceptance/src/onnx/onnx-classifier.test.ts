// Issue 19: a whole classifier — a backbone (MobileNetV2 0.35, Teachable Machine weights) with
// each registered head composed on top (a nested model) — converts to ONNX and gives the
// probabilities tfjs (wasm) gives within 1e-4, at batch 1 and 3, on the trainable network
// (composeClassifier) and on the BatchNorm-folded one.
import { join } from 'node:path';
import { createMobileNetV2, type GraftBackbone } from '@graft/backbones';
import type { Head } from '@graft/core';
import { createHead, listHeads } from '@graft/heads';
import { convertToOnnx, describeOnnxModel } from '@graft/onnx';
import { compareWithOnnxRuntime } from '@graft/onnx/testing';
import { initBackend } from '@graft/runtime';
import { composeClassifier } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePhotos } from './sample-images.js';

const mirrorDir = process.env.GRAFT_MIRROR ?? join(process.env.GRAFT_SHARED_DIR ?? '', 'weights');

/** Options that exercise every layer a head can have (hidden Dense, BatchNorm, Dropout). */
const headOptions: Record<string, Record<string, unknown>> = {
  linear: { dropout: 0.2 },
  mlp: { hiddenUnits: [64], batchNormalization: true, dropout: 0.3, hiddenActivation: 'gelu' },
  'multi-label': { hiddenUnits: [32], dropout: 0.1 },
};

describe('convertToOnnx: backbone + head classifiers', () => {
  let backbone: GraftBackbone;
  let single: tf.Tensor4D;
  let triple: tf.Tensor4D;

  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    backbone = await createMobileNetV2({
      alpha: 0.35,
      mirrorDirs: [mirrorDir],
      offline: true,
      cacheDir: '/nonexistent',
    });
    single = await samplePhotos(backbone.preprocessing, 1);
    triple = await samplePhotos(backbone.preprocessing, 3, 1);
  });
  afterAll(() => {
    tf.dispose([single, triple]);
    backbone?.dispose();
  });

  it.each(listHeads())('head %s: the same probabilities at batch 1 and 3', async (name) => {
    const head: Head = createHead(name as 'linear', {
      featureDim: backbone.featureDim,
      numClasses: 5,
      seed: 3,
      ...headOptions[name],
    });
    try {
      const folded = backbone.inferenceModel();
      const features = head.model.apply(
        folded.outputs[0] as tfl.SymbolicTensor,
      ) as tfl.SymbolicTensor;
      const classifiers: Array<[string, tfl.LayersModel]> = [
        ['composeClassifier', composeClassifier({ backbone, head })],
        ['inferenceModel() + head', tfl.model({ inputs: folded.inputs, outputs: features })],
      ];
      for (const [variant, model] of classifiers) {
        const bytes = convertToOnnx({ model, metadata: { head: name } });
        const description = describeOnnxModel(bytes);
        // Outputs keep tfjs's names: the output layer, here the nested head model.
        expect(description.outputs).toEqual([{ name: model.outputNames[0], shape: ['batch', 5] }]);
        expect(description.metadata).toEqual({ head: name });
        for (const input of [single, triple]) {
          const agreement = await compareWithOnnxRuntime({ model, bytes, input });
          console.info(
            `${backbone.name} + ${name} (${variant}) batch ${input.shape[0]}: max abs ${agreement.maxAbsolute.toExponential(2)} (max probability ${agreement.scale.toFixed(3)})`,
          );
          expect(agreement.onnxShape).toEqual([input.shape[0], 5]);
          expect(agreement.maxAbsolute).toBeLessThanOrEqual(1e-4);
        }
      }
    } finally {
      head.dispose();
    }
  });
});
