import type * as tfl from '@tensorflow/tfjs-layers';
import type { JsonObject } from './json.js';
import type { Preprocessing } from './preprocessing.js';

/** Where a backbone's pretrained weights come from. */
export interface WeightSource {
  /** Short identity, e.g. `imagenet` or `teachable-machine`. */
  name: string;
  /** File format (`pytorch`: a `torch.save` zip checkpoint such as torchvision's `.pth`). */
  format: 'tfjs-layers' | 'keras-h5' | 'safetensors' | 'pytorch';
  /** Canonical download URL (for `tfjs-layers`, the `model.json` URL). */
  url: string;
  /**
   * Path of the file under a mirror directory holding the canonical file names, e.g.
   * `keras/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5`.
   */
  mirrorPath: string;
  /** SPDX licence identifier or a short statement. */
  license: string;
  /** sha256 of the file, when known. */
  sha256?: string;
}

/** Selects layers by exact name, regular expression, or a predicate. */
export type LayerSelector = string | RegExp | ((layer: tfl.layers.Layer) => boolean);

/** Options of {@link Backbone.unfreeze}. */
export interface UnfreezeOptions {
  /**
   * Unfreeze this layer or stage and everything after it in topological order, e.g.
   * `block_13` (MobileNetV2) or `layer4` (ResNet). Omit to unfreeze every layer.
   */
  from?: string;
  /** Unfreeze only the layers matching this selector. */
  layers?: LayerSelector;
}

/** Options of {@link Backbone.split}. */
export interface SplitOptions {
  /**
   * The stage or layer the suffix starts with, e.g. `block_13` (MobileNetV2) or `layer4`
   * (ResNet): the prefix ends with the single tensor that feeds it.
   */
  before: string;
}

/**
 * A backbone cut at a single-tensor boundary into two networks that share the backbone's layers
 * (and so its weights): `suffix.apply(prefix.apply(x))` equals `model.apply(x)`.
 */
export interface BackboneSplit {
  /** The stage or layer the suffix starts with. */
  readonly before: string;
  /** Input `[N, H, W, 3]` preprocessed → the boundary activation `[N, h, w, c]`. */
  readonly prefix: tfl.LayersModel;
  /** The boundary activation → `[N, featureDim]` pooled features. */
  readonly suffix: tfl.LayersModel;
  /**
   * Optional: a network equal to `prefix` in inference mode up to float32 rounding but faster
   * (e.g. BatchNorm folded into the convolutions), built from the current weights; owned by the
   * split. For computing a frozen prefix's output, never for training.
   */
  inferencePrefix?(): tfl.LayersModel;
  /** Shape of one boundary activation, without the batch dimension, e.g. `[14, 14, 96]`. */
  readonly activationShape: readonly number[];
  /** Releases what the split added (never the shared weights, which stay the backbone's). */
  dispose(): void;
}

/**
 * A feature extractor with pretrained weights: the contract every built-in and user-plugged
 * backbone fulfils, and all the trainer knows about backbones.
 *
 * BatchNorm policy: a BatchNormalization layer that is frozen runs in inference mode (moving
 * statistics used and never updated) even when the model is called with `training: true`.
 */
export interface Backbone {
  /** Registered name, e.g. `mobilenet_v2_1.0_224`. */
  readonly name: string;
  /** How to turn pixels into this network's input; travels with the weights. */
  readonly preprocessing: Preprocessing;
  /** Length of the pooled feature vector. */
  readonly featureDim: number;
  /**
   * Label of architecture + weights + options (e.g. `mobilenet_v2_1.0_224:imagenet:sha256…`),
   * written into saved models' metadata. Feature caches are keyed by the content of `model`'s
   * weights and architecture plus `preprocessing`; this label is only added to that key, so two
   * networks sharing a label never share cached features.
   */
  readonly weightsId: string;
  /**
   * The network: input `[N, H, W, 3]` preprocessed, output `[N, featureDim]` pooled features.
   * Owned by the backbone; {@link dispose} releases it.
   */
  readonly model: tfl.LayersModel;
  /**
   * Optional: a network specialised for frozen inference (e.g. BatchNorm folded into the
   * preceding convolutions), equal to `model` in inference mode up to float32 rounding. Frozen
   * feature extraction uses it when present. Each call gives it for the current weights: the
   * network the previous call returned when no weight changed since (the built-in backbones
   * reuse it), else a new one, the previous one then disposed; owned by the backbone,
   * {@link dispose} releases it.
   */
  inferenceModel?(): tfl.LayersModel;
  /** Named stages in order (e.g. `block_1` … `block_16`, or `layer1` … `layer4`) usable as `from`. */
  readonly stages: readonly string[];
  /**
   * Optional: the layer of `model` whose output is the last spatial feature map `[N, h, w, c]`
   * before global pooling, which Grad-CAM explains (`out_relu`, `layer4.1.relu`). When absent,
   * `explain` takes the last rank-4 tensor of the graph.
   */
  readonly featureMapLayer?: string;
  /**
   * Optional: cuts `model` before a stage or layer (see {@link BackboneSplit}). Throws an
   * `InvalidArgumentError` listing the valid boundaries when `before` is inside a block whose
   * input is needed again later (a residual connection). The caller disposes the split.
   */
  split?(options: SplitOptions): BackboneSplit;
  /** Freezes every layer (feature extraction). */
  freeze(): void;
  /** Makes layers trainable (fine-tuning); see {@link UnfreezeOptions}. */
  unfreeze(options?: UnfreezeOptions): void;
  /** A JSON description (name, options, weight source) written into saved models' metadata. */
  getConfig(): JsonObject;
  /** Releases the model's weights. */
  dispose(): void;
}

/** Options every backbone's `create` accepts. */
export interface CreateBackboneOptions {
  /** Load pretrained weights (`true`, the default), or start from random initialisation. */
  pretrained?: boolean;
  /** Explicit path of the weights file (or `model.json`), bypassing cache/mirror/download. */
  weightsPath?: string;
  /** Input height and width, when the family supports several. */
  inputSize?: readonly [number, number];
  /** Seed for random initialisation. */
  seed?: number;
}

/**
 * A registered backbone: its name, family, what it expects and where its weights live. Register
 * one with the backbones package's registry to make `createBackbone(name)` find it.
 */
export interface BackboneDescriptor<Options extends CreateBackboneOptions = CreateBackboneOptions> {
  /** Unique name, e.g. `mobilenet_v2_0.35_224`. */
  name: string;
  /** Architecture family, e.g. `mobilenet_v2` or `resnet`. */
  family: string;
  /** One line for listings. */
  description: string;
  /** Preprocessing of the default weights. */
  preprocessing: Preprocessing;
  /** Length of the pooled feature vector. */
  featureDim: number;
  /**
   * The layer whose output is the last spatial feature map before global pooling (Grad-CAM's
   * target), e.g. `out_relu`; the backbone `create` returns reports the same name. Optional for
   * user-registered backbones: `explain` then takes the last rank-4 tensor of the graph.
   */
  featureMapLayer?: string;
  /** Input sizes the weights were trained at or the architecture accepts, e.g. `[[224, 224]]`. */
  inputSizes: ReadonlyArray<readonly [number, number]>;
  /** Number of parameters of the feature extractor, for listings. */
  parameterCount?: number;
  /**
   * Figures of the default pretrained weights as their publisher states them (quoted, never
   * measured by Graft), for listings such as `graft backbones`.
   */
  upstream?: {
    /** ImageNet-1k top-1 accuracy in percent, single centre crop. */
    imageNetTop1?: number;
    /** Multiply-adds of one forward pass at the default input size, in billions. */
    gigaFlops?: number;
    /** Who states these figures, e.g. `torchvision 0.15 model card (IMAGENET1K_V1)`. */
    source: string;
  };
  /** Pretrained weight sources, preferred first. */
  weights: readonly WeightSource[];
  /** Formats an explicit weights file may have. Default: the formats of {@link weights}. */
  weightFormats?: readonly WeightSource['format'][];
  /** Class labels of the pretrained classifier, when the model has one. */
  classLabels?: { url: string; mirrorPath: string };
  /** Builds the backbone. Weights are resolved explicit path → cache → mirror → download. */
  create(options?: Options): Promise<Backbone>;
}
