import {
  type CreateBackboneOptions,
  FileFormatError,
  InvalidArgumentError,
  type JsonObject,
  type WeightSource,
} from '@graft/core';
import { backboneFromModel, type GraftBackbone } from '../custom/backbone-from-model.js';
import {
  describeUnknownBytes,
  describeWeightFormats,
  detectionHeadBytes,
  detectWeightFormat,
} from '../formats/detect-weight-format.js';
import { parseSafetensors } from '../formats/safetensors.js';
import { type WeightProvenance, weightProvenance } from '../weights/weight-provenance.js';
import { sha256Hex, type WeightResolutionOptions } from '../weights/weight-resolution.js';
import { loadTorchStateDict } from './load-torch-state-dict.js';
import { readWeightBytes } from './read-weight-bytes.js';
import {
  buildResNet,
  type ResNetDepth,
  resNetConfigurations,
  resNetFeatureMapLayer,
  resNetStages,
} from './resnet-architecture.js';
import { torchvisionPreprocessing, torchvisionWeights } from './resnet-weights.js';

/** Options of a ResNet backbone (`createBackbone('resnet50', options)`). */
export interface CreateResNetOptions extends CreateBackboneOptions, WeightResolutionOptions {
  /**
   * The safetensors file already in memory (e.g. picked by a user in a browser). Takes
   * precedence over `weightsPath` and the weight source.
   */
  weights?: ArrayBuffer | Uint8Array;
  /** The weight source to resolve. Default: torchvision's ImageNet weights via timm's Hub repository. */
  weightSource?: WeightSource;
  /** Start frozen (feature extraction). Default `true`. */
  frozen?: boolean;
  /** Keep every BatchNormalization layer frozen (inference mode) even when unfreezing. Default `false`. */
  keepBatchNormFrozen?: boolean;
}

/**
 * Builds torchvision's ResNet-`depth` as a {@link GraftBackbone}: input `[N, H, W, 3]` normalised
 * the torchvision way, output the `avgpool` features `[N, 512 | 2048]`, stages `layer1` … `layer4`.
 * Pretrained weights are a torchvision/timm state dict in safetensors (F32, F16 or BF16); a
 * missing, truncated or mismatching file throws before the backbone exists.
 */
export async function createResNet(
  options: CreateResNetOptions & { depth: ResNetDepth },
): Promise<GraftBackbone> {
  const { depth } = options;
  if (resNetConfigurations[depth] === undefined) {
    throw new InvalidArgumentError({
      argument: 'depth',
      value: depth,
      expected: `must be one of: ${Object.keys(resNetConfigurations).join(', ')}`,
    });
  }
  const name = `resnet${depth}`;
  const inputSize = options.inputSize ?? torchvisionPreprocessing.inputSize;
  const pretrained = options.pretrained ?? true;
  const source = options.weightSource ?? torchvisionWeights(depth);

  // Read and validate the file before building, so a bad file costs no model.
  let stateDict: ReturnType<typeof parseSafetensors> | undefined;
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
    if (format !== 'safetensors') {
      throw new FileFormatError({
        file,
        problem: `is ${format === undefined ? describeUnknownBytes(view.subarray(0, 16)) : describeWeightFormats([format])}, but backbone ${name} accepts ${describeWeightFormats(['safetensors'])} with torchvision key names`,
      });
    }
    stateDict = parseSafetensors({ bytes, file });
    provenance = weightProvenance({
      location: file,
      origin,
      format,
      sha256: await sha256Hex(bytes),
      source,
    });
  }
  const digest = provenance?.sha256.slice(0, 16);

  const model = buildResNet({
    depth,
    inputSize,
    includeTop: false,
    name,
    ...(pretrained ? {} : { seed: options.seed ?? 0 }),
  });
  try {
    if (stateDict !== undefined) loadTorchStateDict({ model, stateDict });
  } catch (error) {
    model.dispose();
    throw error;
  }

  const sizeText = `${inputSize[0]}x${inputSize[1]}`;
  // Same layout as the other built-ins: <name>:<weights>:<size>:<pooling>.
  // An explicit file is named by what is known of its bytes, never by the default source.
  const weightsName =
    provenance?.origin === 'explicit' || provenance?.origin === 'memory'
      ? (provenance.source ?? 'file')
      : source.name;
  const weightsId = pretrained
    ? `${name}:${weightsName}:sha256-${digest}:${sizeText}:avg`
    : `${name}:random:seed${options.seed ?? 0}:${sizeText}:avg`;
  const config: JsonObject = {
    family: 'resnet',
    depth,
    inputSize: [...inputSize],
    pretrained,
    weights: provenance ?? null,
  };
  return backboneFromModel({
    model,
    name,
    preprocessing: { ...torchvisionPreprocessing, inputSize: [inputSize[0], inputSize[1]] },
    weightsId,
    stages: resNetStages,
    featureMapLayer: resNetFeatureMapLayer(depth),
    frozen: options.frozen ?? true,
    keepBatchNormFrozen: options.keepBatchNormFrozen ?? false,
    config,
  });
}
