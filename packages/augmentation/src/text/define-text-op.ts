import { InvalidArgumentError, type JsonObject, SeededRandom } from '@graft/core';
import type { TextAugmentation, TextAugmentOptions } from './text-augmentation.js';

/**
 * Builds a text op from validated options and a per-text function. Text `i` gets its own
 * stream, `new SeededRandom(seed).fork(i)`, so its result does not depend on the other texts.
 */
export function defineTextOp(definition: {
  name: string;
  options: JsonObject;
  run(text: string, random: SeededRandom): string;
}): TextAugmentation {
  const options = definition.options;
  return {
    name: definition.name,
    apply(texts: readonly string[], applyOptions: TextAugmentOptions): string[] {
      checkTexts(texts, applyOptions);
      const root = new SeededRandom(applyOptions.seed);
      return texts.map((text, index) => definition.run(text, root.fork(index)));
    },
    toConfig() {
      return { name: definition.name, options: structuredClone(options) };
    },
  };
}

/** Checks the arguments every text op relies on. */
export function checkTexts(texts: readonly string[], options: TextAugmentOptions): void {
  if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
    throw new InvalidArgumentError({
      argument: 'texts',
      value: texts,
      expected: 'must be a list of strings',
    });
  }
  if (typeof options?.seed !== 'number' || !Number.isFinite(options.seed)) {
    throw new InvalidArgumentError({
      argument: 'seed',
      value: options?.seed,
      expected: 'must be a finite number',
    });
  }
}

/** The seed of the op at `position` in a text pipeline called with `seed`. */
export function textChildSeed(seed: number, position: number | string): number {
  return new SeededRandom(seed).fork(`text:${position}`).nextUint32();
}
