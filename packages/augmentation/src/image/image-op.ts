import type { AugmentOptions, ImageAugmentation, ImageBatch, JsonObject } from '@graft/core';

/** The JSON form of any image augmentation: `{ name, options }`, what `fromConfig` reads. */
export interface ImageAugmentationConfig extends JsonObject {
  /** Registered op name, `compose` or `randomApply`. */
  name: string;
  /** The op's full, validated options (defaults filled in). */
  options: JsonObject;
}

/** An image augmentation whose config has the `{ name, options }` shape. */
export interface ImageOp extends ImageAugmentation {
  /** The validated options with defaults filled in, as stored by {@link toConfig}. */
  readonly options: JsonObject;
  apply(batch: ImageBatch, options: AugmentOptions): ImageBatch;
  toConfig(): ImageAugmentationConfig;
}

/**
 * What `fromConfig` hands every descriptor's `create`: ops made of ops (`compose`,
 * `randomApply`) rebuild their nested configs through it, so they need not import the registry
 * that lists them.
 */
export interface ImageOpContext {
  /** Rebuilds a nested `{ name, options }` config through the registry that is building this op. */
  fromConfig(config: JsonObject): ImageOp;
}

/** What the op registry holds: how to build an op from (JSON) options. */
export interface ImageOpDescriptor {
  /** The op name used in configs, e.g. `randomFlip`. */
  name: string;
  /** One-line description, for `graft augment list`. */
  description: string;
  /**
   * Validates `options` (throws `InvalidArgumentError` naming the field) and builds the op;
   * `context` rebuilds nested op configs, for ops made of ops.
   */
  create(options: JsonObject, context: ImageOpContext): ImageOp;
}
