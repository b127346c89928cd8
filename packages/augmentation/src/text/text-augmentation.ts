import type { JsonObject } from '@graft/core';

/** Options of {@link TextAugmentation.apply}. */
export interface TextAugmentOptions {
  /** Seed of this call: the same texts and seed give the same output. */
  seed: number;
}

/** The JSON form of a text augmentation: `{ name, options }`, what `textFromConfig` reads. */
export interface TextAugmentationConfig extends JsonObject {
  name: string;
  options: JsonObject;
}

/** A seeded text augmentation (single op or pipeline), in plain JS. */
export interface TextAugmentation {
  /** Registered op name, or `compose`/`randomApply`. */
  readonly name: string;
  /** Returns one augmented string per input string. */
  apply(texts: readonly string[], options: TextAugmentOptions): string[];
  /** JSON that `textFromConfig` turns back into an equal augmentation. */
  toConfig(): TextAugmentationConfig;
}

/**
 * What `textFromConfig` hands every descriptor's `create`: ops made of ops (`compose`,
 * `randomApply`) rebuild their nested configs through it, so they need not import the registry.
 */
export interface TextOpContext {
  /** Rebuilds a nested `{ name, options }` config through the registry that is building this op. */
  fromConfig(config: JsonObject): TextAugmentation;
}

/** What the text op registry holds. */
export interface TextOpDescriptor {
  /** The op name used in configs, e.g. `randomSwap`. */
  name: string;
  /** One-line description. */
  description: string;
  /** Validates `options` and builds the op; `context` rebuilds nested op configs. */
  create(options: JsonObject, context: TextOpContext): TextAugmentation;
}
