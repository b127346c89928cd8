import type * as tfl from '@tensorflow/tfjs-layers';
import type { JsonObject } from './json.js';

/** Options every head's `create` receives. */
export interface CreateHeadOptions {
  /** Length of the feature vector the head reads (the backbone's `featureDim`). */
  featureDim: number;
  /** Number of output classes (or labels, for multi-label heads). */
  numClasses: number;
  /** Seed for weight initialisation. */
  seed?: number;
}

/** A classifier on top of pooled features. */
export interface Head {
  /** Registered name, e.g. `linear` or `mlp`. */
  readonly name: string;
  /** `softmax` (one class per image, categorical cross-entropy) or `sigmoid` (multi-label). */
  readonly activation: 'softmax' | 'sigmoid';
  /**
   * Input `[N, featureDim]`, output `[N, numClasses]` probabilities. Owned by the head; dispose
   * through {@link dispose}.
   */
  readonly model: tfl.LayersModel;
  /** `{ name, featureDim, numClasses, ...options }`; `fromConfig` of the same descriptor rebuilds it. */
  getConfig(): JsonObject;
  /** Releases the model's weights. */
  dispose(): void;
}

/** A registered head. */
export interface HeadDescriptor<Options extends CreateHeadOptions = CreateHeadOptions> {
  /** Unique name, e.g. `mlp`. */
  name: string;
  /** One line for listings. */
  description: string;
  /** Builds the head (fresh weights). */
  create(options: Options): Head;
}
