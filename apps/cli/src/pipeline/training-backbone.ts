import { resolve } from 'node:path';
import {
  acceptedWeightFormats,
  createBackbone,
  getBackboneDescriptor,
  type WeightProvenance,
} from '@graft/backbones';
import { backboneFromModelFile, inspectWeightsFile } from '@graft/backbones/node';
import { type Backbone, InvalidArgumentError, UnknownNameError } from '@graft/core';
import { isModelFileReference, modelFileWeights } from '../config/backbone-reference.js';
import type { TrainConfig } from '../config/train-config.js';
import { backboneOptionsFor } from './defaults.js';
import { isCifarName } from './load-training-data.js';

/**
 * Everything that builds a run's backbone, as JSON: the main thread, every feature worker
 * (`--extraction-workers`) and `graft resume` build the same backbone from it.
 */
export interface TrainingBackboneSpec {
  /** Registered backbone name, or the absolute path of a TF.js `model.json` (or its folder). */
  backbone: string;
  /** `imagenet`, `none`, `model` (a model file's own weights), or an absolute weights file path. */
  weights: string;
  /** Model-file backbone: layer whose output is the features (default: the model output). */
  featureLayer?: string;
  /** Model-file backbone: the input range its weights expect (default `[-1, 1]`). */
  inputRange?: [number, number];
  /** Seed of random initialisation (`--weights none`). */
  seed: number;
  /**
   * CIFAR: the backbone keeps its own whole-image (stretch) resize instead of the CLI's photo
   * crop policy, so the saved model resizes new images as its 32×32 training images were.
   */
  wholeImage?: boolean;
}

/** Whether a `--weights` value names a file rather than `imagenet`, `none` or `model`. */
export function isWeightsFile(weights: string): boolean {
  return !['imagenet', 'none', modelFileWeights].includes(weights);
}

/** The spec of `config`'s backbone, with paths made absolute so it holds from any directory. */
export function trainingBackboneSpec(config: TrainConfig): TrainingBackboneSpec {
  const modelFile = isModelFileReference(config.backbone);
  return {
    backbone: modelFile ? resolve(config.backbone) : config.backbone,
    weights: isWeightsFile(config.weights) ? resolve(config.weights) : config.weights,
    ...(config.featureLayer !== undefined ? { featureLayer: config.featureLayer } : {}),
    ...(config.inputRange !== undefined ? { inputRange: config.inputRange } : {}),
    seed: config.seed,
    ...(isCifarName(config.data) ? { wholeImage: true } : {}),
  };
}

/**
 * Checks the backbone and weights before anything is loaded or written: a registered name (an
 * unknown one lists the valid names), a model file that is a TF.js LayersModel, and a weights
 * file whose content is a format the backbone reads. Errors name the file, what it holds and
 * the formats accepted.
 */
export async function checkTrainingBackbone(spec: TrainingBackboneSpec): Promise<void> {
  if (isModelFileReference(spec.backbone)) {
    await inspectWeightsFile({
      path: spec.backbone,
      accepted: ['tfjs-layers'],
      reader: '--backbone (a model file)',
    });
    return;
  }
  try {
    getBackboneDescriptor(spec.backbone);
  } catch (error) {
    if (!UnknownNameError.isInstance(error)) throw error;
    throw new InvalidArgumentError({
      argument: '--backbone',
      value: spec.backbone,
      expected: `must be a registered backbone or a TF.js model.json / its folder, written as a path (e.g. ./my_model). ${error.message}`,
      cause: error,
    });
  }
  if (isWeightsFile(spec.weights)) {
    await inspectWeightsFile({
      path: spec.weights,
      accepted: acceptedWeightFormats(spec.backbone),
      reader: `--weights for backbone ${spec.backbone}`,
    });
  }
}

/** Builds the backbone `spec` describes. The caller disposes it. */
export async function createTrainingBackbone(spec: TrainingBackboneSpec): Promise<Backbone> {
  if (isModelFileReference(spec.backbone)) {
    return backboneFromModelFile({
      path: spec.backbone,
      ...(spec.featureLayer !== undefined ? { featureLayer: spec.featureLayer } : {}),
      ...(spec.inputRange !== undefined
        ? { preprocessing: { inputRange: [spec.inputRange[0], spec.inputRange[1]] } }
        : {}),
    });
  }
  return createBackbone(spec.backbone, {
    pretrained: spec.weights !== 'none',
    ...(isWeightsFile(spec.weights) ? { weightsPath: spec.weights } : {}),
    ...(spec.wholeImage ? {} : backboneOptionsFor(spec.backbone)),
    seed: spec.seed,
  });
}

/** What the backbone's weights are (from its `getConfig().weights`); `null` for random weights. */
export function weightProvenanceOf(backbone: Backbone): WeightProvenance | null {
  const weights = backbone.getConfig().weights;
  return weights && typeof weights === 'object' && !Array.isArray(weights)
    ? (weights as WeightProvenance)
    : null;
}
