import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  FileFormatError,
  hasTeachableMachineMarks,
  type Preprocessing,
  teachableMachinePreprocessing,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  backboneFromModel,
  type FeaturePooling,
  type GraftBackbone,
} from '../custom/backbone-from-model.js';
import { teachableMachineBackbone } from '../custom/teachable-machine-backbone.js';
import { weightProvenance } from '../weights/weight-provenance.js';
import { sha256Hex } from '../weights/weight-resolution.js';
import { fileSystemIOHandler } from './file-io-handler.js';
import { inspectWeightsFile } from './inspect-weights-file.js';

/** Options of {@link backboneFromModelFile}. */
export interface BackboneFromModelFileOptions {
  /** A TF.js LayersModel `model.json`, or the folder holding it (shards beside it). */
  path: string;
  /** Layer whose output is the feature map or vector. Default: the model's output. */
  featureLayer?: string;
  /** Pooling of a 4-D feature layer. Default `avg`. */
  pooling?: FeaturePooling;
  /**
   * Preprocessing the weights expect. Default: RGB, `[-1, 1]` (Keras MobileNet and Teachable
   * Machine), no mean/std, whole image stretched bilinearly to the model's input size. The input
   * size always comes from the model.
   */
  preprocessing?: Partial<Omit<Preprocessing, 'inputSize'>>;
  /** Backbone name. Default: the name of the folder holding `model.json`. */
  name?: string;
}

/**
 * Loads any TF.js LayersModel from disk as a frozen {@link GraftBackbone} (see
 * `backboneFromModel`), recording the file's provenance (path, format, sha256 of the shards) in
 * `getConfig().weights`. The model must take one `[N, H, W, 3]` input of fixed size. A
 * classifier exported by Teachable Machine (its `metadata.json` beside `model.json`) becomes its
 * feature extractor (`teachableMachineBackbone`: the cut MobileNet and TM's pooling, with TM's
 * real preprocessing, `x / 127 - 1` and its centre crop), so a new head trains on the features
 * TM's own head sees. The caller owns the backbone and calls `dispose()`.
 */
export async function backboneFromModelFile(
  options: BackboneFromModelFileOptions,
): Promise<GraftBackbone> {
  const file = await inspectWeightsFile({
    path: options.path,
    accepted: ['tfjs-layers'],
    reader: 'a model-file backbone',
  });
  const artifacts = await fileSystemIOHandler({ modelJsonPath: file.path }).load();
  const sha256 = await sha256Hex(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new FileFormatError({
      file: file.path,
      problem: `does not load as a TF.js LayersModel: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  try {
    const inputShape = model.inputs.length === 1 ? model.inputs[0]?.shape : undefined;
    const [, height, width, channels] = inputShape ?? [];
    if (
      inputShape?.length !== 4 ||
      typeof height !== 'number' ||
      typeof width !== 'number' ||
      channels !== 3
    ) {
      throw new FileFormatError({
        file: file.path,
        problem: `has input shape ${JSON.stringify(model.inputs.map((input) => input.shape))}; a backbone needs one image input [null, height, width, 3] of fixed size`,
      });
    }
    const name = options.name ?? basename(dirname(file.path));
    const pooling = options.pooling ?? 'avg';
    const provenance = weightProvenance({
      location: file.path,
      origin: 'explicit',
      format: 'tfjs-layers',
      sha256,
    });
    const teachableMachine = await teachableMachineImageSize(file.path);
    if (teachableMachine !== undefined && options.featureLayer === undefined) {
      const backbone = await teachableMachineBackbone({
        model,
        name,
        preprocessing: {
          ...teachableMachinePreprocessing(teachableMachine),
          ...options.preprocessing,
        },
        config: { modelFile: file.path, weights: provenance },
      });
      // The backbone holds a copy of the feature extractor; the classifier is not needed.
      model.dispose();
      return backbone;
    }
    const preprocessing: Preprocessing = {
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
      ...options.preprocessing,
      inputSize: [height, width],
    };
    return backboneFromModel({
      model,
      ...(options.featureLayer !== undefined ? { featureLayer: options.featureLayer } : {}),
      pooling,
      preprocessing,
      name,
      weightsId: `${name}:${provenance.source ?? 'file'}:sha256-${sha256.slice(0, 16)}:${options.featureLayer ?? 'output'}:${height}x${width}:${pooling}`,
      config: {
        family: 'model-file',
        modelFile: file.path,
        inputSize: [height, width],
        weights: provenance,
      },
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * The `imageSize` of a Teachable Machine `metadata.json` beside `modelJsonPath` (its
 * `tmVersion` or `packageName: '@teachablemachine/image'` marks it), else undefined.
 */
async function teachableMachineImageSize(modelJsonPath: string): Promise<number | undefined> {
  let metadata: unknown;
  try {
    metadata = JSON.parse(await readFile(join(dirname(modelJsonPath), 'metadata.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (!hasTeachableMachineMarks(metadata)) return undefined;
  return typeof metadata.imageSize === 'number' ? metadata.imageSize : 224;
}
