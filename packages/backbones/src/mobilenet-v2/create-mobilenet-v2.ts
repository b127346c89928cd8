import {
  AssetNotFoundError,
  type CreateBackboneOptions,
  InvalidArgumentError,
  type Preprocessing,
  type ResizePolicy,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { backboneFromModel, type GraftBackbone } from '../custom/backbone-from-model.js';
import { assignWeightsByName } from '../weights/assign-weights.js';
import { loadWeights } from '../weights/load-weights.js';
import type { LoadedWeights, WeightResolutionOptions } from '../weights/weight-resolution.js';
import {
  buildMobileNetV2,
  type MobileNetV2Alpha,
  mobileNetV2Stages,
} from './build-mobilenet-v2.js';
import { kerasAlphaText, mobileNetV2WeightSources } from './mobilenet-v2-weights.js';

/** Options of MobileNetV2 backbones (`createBackbone('mobilenet_v2_1.0_224', options)`). */
export interface MobileNetV2Options extends CreateBackboneOptions, WeightResolutionOptions {
  /**
   * Also build the 1000-class `predictions` classifier (loaded from the with-top weights) and
   * expose it as `classifier`; `model` still outputs the pooled features. Default `false`.
   */
  includeTop?: boolean;
  /** Global pooling of the feature map: `avg` (default) or `max`. */
  pooling?: 'avg' | 'max';
  /** Keep every BatchNormalization layer frozen (inference mode) even when unfreezing. Default `false`. */
  keepBatchNormFrozen?: boolean;
  /** Prefer this weight source (`imagenet`, `teachable-machine`); default: the first that resolves. */
  weightSource?: string;
  /**
   * How images reach the input size, recorded in `preprocessing` (and so in feature-cache keys
   * and saved classifiers). Default Keras's `stretch`; `center-crop` (fraction 0.875, torchvision's
   * `Resize(256)+CenterCrop(224)`) scores higher on photos with a centred subject.
   */
  resize?: ResizePolicy;
}

/** Options of {@link createMobileNetV2}. */
export interface CreateMobileNetV2Options extends MobileNetV2Options {
  /** Width multiplier. */
  alpha: MobileNetV2Alpha;
}

/** A MobileNetV2 backbone; with `includeTop`, also the full ImageNet classifier. */
export interface MobileNetV2Backbone extends GraftBackbone {
  /** Width multiplier. */
  readonly alpha: MobileNetV2Alpha;
  /** With `includeTop`: input → softmax over 1000 ImageNet classes, sharing `model`'s layers. */
  readonly classifier: tfl.LayersModel | undefined;
}

/**
 * Keras `mobilenet_v2.preprocess_input`: RGB, `x / 127.5 - 1`; by default the whole image
 * stretched to the input size.
 */
export function mobileNetV2Preprocessing(
  inputSize: readonly [number, number],
  resize: ResizePolicy = { mode: 'stretch', interpolation: 'bilinear' },
): Preprocessing {
  return {
    inputSize: [inputSize[0], inputSize[1]],
    channelOrder: 'rgb',
    inputRange: [-1, 1],
    mean: [0, 0, 0],
    std: [1, 1, 1],
    resize: { ...resize },
  };
}

/** The registered name of MobileNetV2 at `alpha`, e.g. `mobilenet_v2_1.0_224`. */
export function mobileNetV2Name(alpha: MobileNetV2Alpha): string {
  return `mobilenet_v2_${kerasAlphaText(alpha)}_224`;
}

/**
 * Builds MobileNetV2 at `alpha` with Keras layer names and loads pretrained weights (unless
 * `pretrained: false`): the first weight source that resolves (explicit path → cache → mirror →
 * download). Starts frozen. The caller owns the backbone and calls `dispose()`.
 */
export async function createMobileNetV2(
  options: CreateMobileNetV2Options,
): Promise<MobileNetV2Backbone> {
  const { alpha } = options;
  const name = mobileNetV2Name(alpha);
  const inputSize = options.inputSize ?? [224, 224];
  const includeTop = options.includeTop ?? false;
  const pooling = options.pooling ?? 'avg';
  if (includeTop && pooling !== 'avg') {
    throw new InvalidArgumentError({
      argument: 'pooling',
      value: pooling,
      expected:
        'must be avg with includeTop (the classifier was trained on average-pooled features)',
    });
  }
  if (options.resize !== undefined) checkResize(options.resize);
  const pretrained = options.pretrained ?? true;
  let loaded: LoadedWeights | undefined;
  if (pretrained) loaded = await loadFirstSource(alpha, includeTop, options);
  let model: tfl.LayersModel | undefined;
  try {
    model = buildMobileNetV2({
      alpha,
      inputSize,
      includeTop,
      pooling: 'none',
      seed: options.seed,
      // Every weight is overwritten by the loaded ones just below (or the build fails).
      drawWeights: loaded === undefined,
    });
    if (loaded !== undefined) {
      assignWeightsByName({
        model,
        tensors: loaded.tensors,
        file: loaded.location,
        target: `backbone ${name}`,
      });
    }
  } catch (error) {
    model?.dispose();
    throw error;
  } finally {
    if (loaded !== undefined) tf.dispose([...loaded.tensors.values()]);
  }
  const sizeText = `${inputSize[0]}x${inputSize[1]}`;
  const weightsId =
    loaded === undefined
      ? `${name}:random:seed${options.seed ?? 'none'}:${sizeText}:${pooling}`
      : `${name}:${weightsName(loaded)}:sha256-${loaded.sha256.slice(0, 16)}:${sizeText}:${pooling}`;
  const backbone = backboneFromModel({
    model,
    featureLayer: includeTop ? 'global_average_pooling2d' : 'out_relu',
    pooling,
    preprocessing: mobileNetV2Preprocessing(inputSize, options.resize),
    name,
    weightsId,
    stages: mobileNetV2Stages,
    featureMapLayer: 'out_relu',
    keepBatchNormFrozen: options.keepBatchNormFrozen,
    config: {
      family: 'mobilenet_v2',
      alpha,
      inputSize: [inputSize[0], inputSize[1]],
      includeTop,
      ...(options.resize !== undefined ? { resize: { ...options.resize } } : {}),
      weights: loaded === undefined ? null : loaded.provenance,
    },
  });
  return { ...backbone, alpha, classifier: includeTop ? model : undefined };
}

async function loadFirstSource(
  alpha: MobileNetV2Alpha,
  includeTop: boolean,
  options: MobileNetV2Options,
): Promise<LoadedWeights> {
  // A with-top file also serves a no-top model (its classifier is ignored), as a fallback.
  let sources = mobileNetV2WeightSources(alpha)
    .filter((source) => source.includesTop || !includeTop)
    .sort((a, b) => Number(a.includesTop) - Number(b.includesTop));
  if (options.weightSource !== undefined) {
    const chosen = sources.filter((source) => source.name === options.weightSource);
    if (chosen.length === 0) {
      throw new InvalidArgumentError({
        argument: 'weightSource',
        value: options.weightSource,
        expected: `must be one of: ${[...new Set(sources.map((source) => source.name))].join(', ')}`,
      });
    }
    sources = chosen;
  }
  if (options.weightsPath !== undefined) sources = sources.slice(0, 1);
  const errors: unknown[] = [];
  for (const source of sources) {
    try {
      return await loadWeights({
        ...options,
        source,
        reader: `backbone ${mobileNetV2Name(alpha)}`,
      });
    } catch (error) {
      // Not found → try the next source; a corrupt file is reported at once.
      if (!AssetNotFoundError.isInstance(error)) throw error;
      errors.push(error);
    }
  }
  throw errors[0];
}

/** The weights' short name in `weightsId`: the source resolved by name, else a known file's, else `file`. */
function weightsName(loaded: LoadedWeights): string {
  return loaded.origin === 'explicit' ? (loaded.provenance.source ?? 'file') : loaded.source.name;
}

function checkResize(resize: ResizePolicy): void {
  const modes = ['stretch', 'center-crop'];
  const interpolations = ['bilinear', 'nearest', 'bicubic'];
  const fraction = resize.cropFraction;
  if (
    !modes.includes(resize.mode) ||
    !interpolations.includes(resize.interpolation) ||
    (fraction !== undefined && !(Number.isFinite(fraction) && fraction > 0 && fraction <= 1))
  ) {
    throw new InvalidArgumentError({
      argument: 'resize',
      value: resize,
      expected: `must have mode ${modes.join(' | ')}, interpolation ${interpolations.join(' | ')} and cropFraction in (0, 1]`,
    });
  }
}
