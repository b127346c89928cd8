import {
  type CreateBackboneOptions,
  FileFormatError,
  type JsonObject,
  type Preprocessing,
  type WeightSource,
} from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { backboneFromModel, type GraftBackbone } from '../custom/backbone-from-model.js';
import {
  describeUnknownBytes,
  describeWeightFormats,
  detectionHeadBytes,
  detectWeightFormat,
} from '../formats/detect-weight-format.js';
import { parsePyTorchCheckpoint } from '../formats/pytorch-checkpoint.js';
import { parseSafetensors, type SafetensorsFile } from '../formats/safetensors.js';
import { loadTorchStateDict } from '../resnet/load-torch-state-dict.js';
import { readWeightBytes } from '../resnet/read-weight-bytes.js';
import { type WeightProvenance, weightProvenance } from '../weights/weight-provenance.js';
import { sha256Hex, type WeightResolutionOptions } from '../weights/weight-resolution.js';

/** Options of a torchvision-ported backbone (`createBackbone('efficientnet_b0', options)`). */
export interface CreateTorchvisionBackboneOptions
  extends CreateBackboneOptions,
    WeightResolutionOptions {
  /**
   * The weights file already in memory (a torchvision `.pth` or a safetensors file with
   * torchvision key names). Takes precedence over `weightsPath` and the weight source.
   */
  weights?: ArrayBuffer | Uint8Array;
  /** The weight source to resolve. Default: torchvision's ImageNet weights. */
  weightSource?: WeightSource;
  /** Start frozen (feature extraction). Default `true`. */
  frozen?: boolean;
  /** Keep every BatchNormalization layer frozen (inference mode) even when unfreezing. Default `false`. */
  keepBatchNormFrozen?: boolean;
}

/** What a family tells {@link createTorchvisionBackbone}. */
export interface TorchvisionFamily {
  /** Registered name, e.g. `mobilenet_v3_small`. */
  name: string;
  /** Family, e.g. `mobilenet_v3`. */
  family: string;
  /** The torchvision weights. */
  source: WeightSource;
  /** Preprocessing of those weights (the input size is replaced by the one asked for). */
  preprocessing: Preprocessing;
  /** Builds the feature extractor (no classifier) at `inputSize`; random from `seed` when given. */
  build(options: { inputSize: readonly [number, number]; seed?: number }): tfl.LayersModel;
  /** Stages usable as `unfreeze({ from })`. */
  stages: readonly string[];
  /** Layer whose output is the last spatial map (Grad-CAM's target). */
  featureMapLayer: string;
  /** Family options written into `getConfig()`. */
  config: JsonObject;
}

/** Formats a torchvision-ported backbone reads. */
export const torchvisionWeightFormats: readonly WeightSource['format'][] = [
  'pytorch',
  'safetensors',
];

/**
 * Builds a torchvision-ported backbone: resolves and validates the weights (explicit bytes or
 * path → cache → mirror → download of torchvision's `.pth`; a safetensors file with the same key
 * names works too) before building, loads them by module path, and wraps the network with
 * {@link backboneFromModel} (frozen-BatchNorm policy, stages, `inferenceModel()` with BatchNorm
 * folded). The caller owns the result and calls `dispose()`.
 */
export async function createTorchvisionBackbone(
  family: TorchvisionFamily,
  options: CreateTorchvisionBackboneOptions = {},
): Promise<GraftBackbone> {
  const { name } = family;
  const inputSize = options.inputSize ?? family.preprocessing.inputSize;
  const pretrained = options.pretrained ?? true;
  const source = options.weightSource ?? family.source;

  let stateDict: SafetensorsFile | undefined;
  let provenance: WeightProvenance | undefined;
  if (pretrained) {
    const { bytes, file, origin } =
      options.weights !== undefined
        ? {
            bytes: options.weights,
            file: `${source.mirrorPath} (in memory)`,
            origin: 'memory' as const,
          }
        : await readWeightBytes({ ...options, source });
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const format = detectWeightFormat(view.subarray(0, detectionHeadBytes));
    if (format !== 'safetensors' && format !== 'pytorch') {
      throw new FileFormatError({
        file,
        problem: `is ${format === undefined ? describeUnknownBytes(view.subarray(0, 16)) : describeWeightFormats([format])}, but backbone ${name} accepts ${describeWeightFormats([...torchvisionWeightFormats])} with torchvision key names`,
      });
    }
    stateDict =
      format === 'pytorch'
        ? parsePyTorchCheckpoint({ bytes: view, file })
        : parseSafetensors({ bytes: view, file });
    provenance = weightProvenance({
      location: file,
      origin,
      format,
      sha256: await sha256Hex(view),
      source,
    });
  }

  const model = family.build({
    inputSize,
    ...(pretrained ? {} : { seed: options.seed ?? 0 }),
  });
  try {
    if (stateDict !== undefined) loadTorchStateDict({ model, stateDict, classifier: 'classifier' });
  } catch (error) {
    model.dispose();
    throw error;
  }

  const sizeText = `${inputSize[0]}x${inputSize[1]}`;
  // Same layout as the other built-ins: <name>:<weights>:<size>:<pooling>.
  const weightsName =
    provenance?.origin === 'explicit' || provenance?.origin === 'memory'
      ? (provenance.source ?? 'file')
      : source.name;
  const weightsId = pretrained
    ? `${name}:${weightsName}:sha256-${provenance?.sha256.slice(0, 16)}:${sizeText}:avg`
    : `${name}:random:seed${options.seed ?? 0}:${sizeText}:avg`;
  return backboneFromModel({
    model,
    name,
    preprocessing: { ...family.preprocessing, inputSize: [inputSize[0], inputSize[1]] },
    weightsId,
    stages: family.stages,
    featureMapLayer: family.featureMapLayer,
    frozen: options.frozen ?? true,
    keepBatchNormFrozen: options.keepBatchNormFrozen ?? false,
    config: {
      family: family.family,
      ...family.config,
      inputSize: [...inputSize],
      pretrained,
      weights: provenance ?? null,
    },
  });
}
