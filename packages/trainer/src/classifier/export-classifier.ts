import {
  type Backbone,
  type Head,
  type ImageAugmentation,
  type JsonObject,
  resolvePreprocessing,
  type Schedule,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import packageJson from '../../package.json' with { type: 'json' };
import { checkThreshold, defaultMultiLabelThreshold } from '../evaluation/multi-label-metrics.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { type ClassifierMetadata, classifierFormatVersion } from './classifier-metadata.js';
import { composeClassifier } from './compose-classifier.js';

/** Options of {@link exportClassifier}. */
export interface ExportClassifierOptions {
  /** The trained backbone. */
  backbone: Backbone;
  /** The trained head. */
  head: Head;
  /** Class names in output order. */
  classNames: readonly string[];
  /** Model name in the metadata. Default `graft-classifier`. */
  modelName?: string;
  /** Augmentation used in training (its config is recorded). */
  augmentation?: ImageAugmentation;
  /** Schedule used in training (its config is recorded). */
  schedule?: Schedule;
  /** Optimiser used in training (its config is recorded). */
  optimizer?: Optimizer;
  /** Training settings to record (mode, epochs, batch size, seed …). */
  training?: JsonObject;
  /** Metrics to record (e.g. an evaluation report). */
  metrics?: JsonObject;
  /** Temperature scaling already applied to the head (`calibrateHead(...).metadata`). */
  calibration?: JsonObject;
  /** Free-form metadata (TM's `userMetadata`). */
  userMetadata?: JsonObject;
  /** Sigmoid (multi-label) heads: the decision threshold recorded. Default 0.5. */
  threshold?: number;
}

/**
 * The composed model (backbone → head) and its metadata, ready to save with any tfjs
 * IOHandler (`model.save('indexeddb://…')` in a browser; `saveClassifier` in Node writes a
 * directory). The model shares weights with `backbone` and `head`.
 */
export function exportClassifier(options: ExportClassifierOptions): {
  model: tfl.LayersModel;
  metadata: ClassifierMetadata;
} {
  const { backbone, head } = options;
  const [height] = backbone.preprocessing.inputSize;
  const metadata: ClassifierMetadata = {
    labels: [...options.classNames],
    imageSize: height,
    modelName: options.modelName ?? 'graft-classifier',
    timeStamp: new Date().toISOString(),
    tfjsVersion: tf.version_core,
    packageName: packageJson.name,
    packageVersion: packageJson.version,
    userMetadata: options.userMetadata ?? {},
    graft: {
      formatVersion: classifierFormatVersion,
      preprocessing: resolvePreprocessing(
        backbone.preprocessing,
      ) as ClassifierMetadata['graft']['preprocessing'],
      activation: head.activation,
      ...(head.activation === 'sigmoid'
        ? { threshold: checkThreshold(options.threshold ?? defaultMultiLabelThreshold) }
        : {}),
      backbone: {
        name: backbone.name,
        weightsId: backbone.weightsId,
        config: backbone.getConfig(),
      },
      head: head.getConfig(),
      ...(options.augmentation ? { augmentation: options.augmentation.toConfig() } : {}),
      ...(options.schedule ? { schedule: options.schedule.getConfig() } : {}),
      ...(options.optimizer ? { optimizer: options.optimizer.getConfig() } : {}),
      ...(options.training ? { training: options.training } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.calibration ? { calibration: options.calibration } : {}),
      versions: {
        [packageJson.name]: packageJson.version,
        '@tensorflow/tfjs-core': tf.version_core,
      },
    },
  };
  return { model: composeClassifier({ backbone, head }), metadata };
}
