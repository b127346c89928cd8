import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { SafetensorsFile } from '../formats/safetensors.js';

/** Options of {@link loadTorchStateDict}. */
export interface LoadTorchStateDictOptions {
  /** A model whose layer names are PyTorch module paths (as {@link buildResNet} builds them). */
  model: tfl.LayersModel;
  /** The parsed state dict (torchvision/timm key names). */
  stateDict: SafetensorsFile;
  /**
   * Refuse state-dict tensors that no layer uses (like PyTorch's `strict=True`). BatchNorm
   * `num_batches_tracked` counters are always ignored, and so is the classifier (`fc.*`) when
   * the model has no `fc` layer. Default `true`.
   */
  strict?: boolean;
  /**
   * Module path of the classifier, whose tensors are ignored when the model lacks their layer:
   * `fc` (ResNet, the default) or `classifier` (MobileNetV3, EfficientNet, ConvNeXt).
   */
  classifier?: string;
}

/** What {@link loadTorchStateDict} did. */
export interface LoadTorchStateDictResult {
  /** State-dict keys copied into the model. */
  loaded: string[];
  /** State-dict keys present in the file but not used. */
  ignored: string[];
}

interface PendingWeight {
  key: string;
  values: Float32Array;
  /** Shape in the file (PyTorch layout). */
  sourceShape: readonly number[];
  /** Permutation from the PyTorch layout to the tfjs one, if any. */
  permutation?: number[];
}

/**
 * Copies a PyTorch state dict into a tfjs-layers model whose layer names are the module paths:
 * conv `[O, I, H, W]` → `[H, W, I, O]`, depthwise conv `[C, 1, H, W]` → `[H, W, C, 1]`, linear `[out, in]` → `[in, out]`, BatchNorm
 * `weight/bias/running_mean/running_var` → `gamma/beta/movingMean/movingVariance`.
 *
 * Every tensor is checked (present, shape matching the layer) before any weight is written, so a
 * mismatching file throws a {@link FileFormatError} naming the file and leaves the model as it was.
 */
export function loadTorchStateDict(options: LoadTorchStateDictOptions): LoadTorchStateDictResult {
  const { model, stateDict } = options;
  const fail = (problem: string): never => {
    throw new FileFormatError({ file: stateDict.file, problem });
  };
  const plan: Array<{ layer: tfl.layers.Layer; weights: PendingWeight[] }> = [];
  const used = new Set<string>();
  const missing: string[] = [];

  for (const layer of model.layers) {
    const targets = layer.weights;
    if (targets.length === 0) continue;
    const className = layer.getClassName();
    const keys = parameterKeys(className, layer.name, targets.length);
    if (keys === undefined) {
      fail(`the model layer ${layer.name} (${className}) has no PyTorch equivalent`);
      continue;
    }
    const weights: PendingWeight[] = [];
    keys.forEach((key, index) => {
      const entry = stateDict.entries.get(key);
      if (entry === undefined) {
        missing.push(key);
        return;
      }
      used.add(key);
      const targetShape = (targets[index] as tfl.LayerVariable).shape;
      const permutation = permutationOf(className, entry.shape.length);
      // ConvNeXt's layer scale is `[C, 1, 1]` in NCHW; the NHWC layer holds `[C]`.
      const convertedShape =
        className === 'GraftLayerScale'
          ? entry.shape.slice(0, 1)
          : permutation === undefined
            ? entry.shape
            : permutation.map((axis) => entry.shape[axis] as number);
      if (
        convertedShape.length !== targetShape.length ||
        convertedShape.some((size, axis) => size !== targetShape[axis])
      ) {
        fail(
          `tensor ${key} has shape [${entry.shape.join(', ')}] (tfjs [${convertedShape.join(', ')}]), but layer ${layer.name} expects [${targetShape.join(', ')}]`,
        );
      }
      if (entry.dtype.startsWith('I') || entry.dtype === 'U8' || entry.dtype === 'BOOL') {
        fail(`tensor ${key} has dtype ${entry.dtype}; expected a floating type`);
      }
      weights.push({
        key,
        values: stateDict.read(key).values as Float32Array,
        sourceShape: permutation === undefined ? convertedShape : entry.shape,
        ...(permutation === undefined ? {} : { permutation }),
      });
    });
    plan.push({ layer, weights });
  }
  if (missing.length > 0) {
    fail(
      `missing ${missing.length} tensor(s) the model needs: ${summarise(missing)} (is this a ${model.name} state dict?)`,
    );
  }

  const classifier = options.classifier ?? 'fc';
  const layerNames = new Set(model.layers.map((layer) => layer.name));
  // A classifier tensor is expected only when the model has its layer (ConvNeXt's backbone keeps
  // `classifier.0`, the LayerNorm, but not `classifier.2`).
  const isDroppedClassifier = (key: string) =>
    key.startsWith(`${classifier}.`) && !layerNames.has(key.slice(0, key.lastIndexOf('.')));
  const ignored: string[] = [];
  const unexpected: string[] = [];
  for (const key of stateDict.entries.keys()) {
    if (used.has(key)) continue;
    ignored.push(key);
    if (key.endsWith('.num_batches_tracked') || isDroppedClassifier(key)) continue;
    unexpected.push(key);
  }
  if (options.strict !== false && unexpected.length > 0) {
    fail(
      `${unexpected.length} tensor(s) match no layer of ${model.name}: ${summarise(unexpected)}`,
    );
  }

  for (const { layer, weights } of plan) {
    const tensors = tf.tidy(() =>
      weights.map(({ values, sourceShape, permutation }) => {
        const tensor = tf.tensor(values, [...sourceShape], 'float32');
        return permutation === undefined ? tensor : tf.transpose(tensor, permutation);
      }),
    );
    // setWeights assigns (the variables keep their own reference), so these can go.
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return { loaded: [...used], ignored };
}

/**
 * PyTorch → tfjs layout: conv `[O, I, H, W]` → `[H, W, I, O]`; depthwise conv `[C, 1, H, W]` →
 * `[H, W, C, 1]`; linear `[out, in]` → `[in, out]`.
 */
function permutationOf(className: string, rank: number): number[] | undefined {
  if (className === 'GraftLayerScale') return undefined;
  if (rank === 4) return className === 'DepthwiseConv2D' ? [2, 3, 0, 1] : [2, 3, 1, 0];
  return rank === 2 ? [1, 0] : undefined;
}

/** State-dict keys of a layer's weights, in the order tfjs-layers stores them. */
function parameterKeys(className: string, name: string, count: number): string[] | undefined {
  switch (className) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
      return count === 1 ? [`${name}.weight`] : [`${name}.weight`, `${name}.bias`];
    case 'Dense':
      return count === 1 ? [`${name}.weight`] : [`${name}.weight`, `${name}.bias`];
    case 'LayerNormalization':
      return count === 2 ? [`${name}.weight`, `${name}.bias`] : undefined;
    case 'GraftLayerScale':
      // The layer is named after the parameter itself (`features.1.0.layer_scale`).
      return count === 1 ? [name] : undefined;
    case 'BatchNormalization':
      return count === 4
        ? [`${name}.weight`, `${name}.bias`, `${name}.running_mean`, `${name}.running_var`]
        : undefined;
    default:
      return undefined;
  }
}

function summarise(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).join(', ');
  return keys.length > 5 ? `${shown} … (${keys.length - 5} more)` : shown;
}
