import {
  InvalidArgumentError,
  type JsonObject,
  type Preprocessing,
  teachableMachinePreprocessing,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mobileNetV2Stages } from '../mobilenet-v2/build-mobilenet-v2.js';
import { sha256Hex } from '../weights/weight-resolution.js';
import { backboneFromModel, type GraftBackbone } from './backbone-from-model.js';

/** Options of {@link teachableMachineBackbone}. */
export interface TeachableMachineBackboneOptions {
  /**
   * A Teachable Machine image model as loaded (`loadClassifier(...).model` of `@graft/trainer`,
   * or `tf.loadLayersModel`): `Sequential[Sequential[cut MobileNet, GlobalAveragePooling2D],
   * Sequential[head]]`. Only read: the backbone owns a copy of the feature extractor's weights.
   */
  model: tfl.LayersModel;
  /**
   * How pixels become the model's input: the classifier's `metadata.graft.preprocessing`.
   * Default: what Teachable Machine applies (`teachableMachinePreprocessing` of `@graft/core`)
   * at the model's input height.
   */
  preprocessing?: Preprocessing;
  /** Backbone name. Default `teachable-machine`. */
  name?: string;
  /** Extra JSON merged into `getConfig()` (e.g. the model file and its provenance). */
  config?: JsonObject;
}

/**
 * The feature extractor of a Teachable Machine image classifier as a {@link GraftBackbone}, to
 * train a new head on the features TM's own head sees: the cut MobileNet (TM's `truncatedModel`,
 * up to `out_relu`) with TM's global average pooling, TM's preprocessing, MobileNetV2's stages
 * for `unfreeze({ from })`, and a `weightsId` from the weights' sha256 (so feature caches tell
 * two TM models apart). The weights are copied: dispose the backbone and the source model
 * independently.
 */
export async function teachableMachineBackbone(
  options: TeachableMachineBackboneOptions,
): Promise<GraftBackbone> {
  const name = options.name ?? 'teachable-machine';
  const extractor = featureExtractorOf(options.model);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await extractor.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (artifacts === undefined) throw new Error('tfjs did not hand over the model artifacts');
  const weightData = artifacts.weightData;
  const bytes = Array.isArray(weightData)
    ? tf.io.concatenateArrayBuffers(weightData)
    : (weightData ?? new ArrayBuffer(0));
  const sha256 = await sha256Hex(bytes);
  const copy = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const [, height] = copy.inputs[0]?.shape ?? [];
  const layerNames = new Set(copy.layers.map((layer) => layer.name));
  return backboneFromModel({
    model: copy,
    // TM pools the cut MobileNet's last feature map by global averaging.
    pooling: 'avg',
    preprocessing:
      options.preprocessing ??
      teachableMachinePreprocessing(typeof height === 'number' ? height : undefined),
    name,
    weightsId: `${name}:sha256-${sha256.slice(0, 16)}:avg`,
    stages: mobileNetV2Stages.filter((stage) =>
      [...layerNames].some((layer) => layer === stage || layer.startsWith(`${stage}_`)),
    ),
    config: { family: 'teachable-machine', weightsSha256: sha256, ...options.config },
  });
}

/** TM's cut MobileNet: the functional model inside the first nested Sequential. */
function featureExtractorOf(model: tfl.LayersModel): tfl.LayersModel {
  const truncated = model.layers[0];
  const inner = isModel(truncated) ? truncated.layers : [];
  const [extractor, pooling] = inner;
  if (
    model.layers.length !== 2 ||
    inner.length !== 2 ||
    !isModel(extractor) ||
    pooling?.getClassName() !== 'GlobalAveragePooling2D'
  ) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: `${model.name}: ${model.layers.map((layer) => layer.getClassName()).join(', ')}`,
      expected:
        'must be a Teachable Machine image model: Sequential[Sequential[MobileNet cut at its last feature map, GlobalAveragePooling2D], Sequential[head]] (MobileNetV1-based TM models, which flatten, are not supported)',
    });
  }
  return extractor;
}

function isModel(layer: tfl.layers.Layer | undefined): layer is tfl.LayersModel {
  return Array.isArray((layer as { layers?: unknown } | undefined)?.layers);
}
