import { InvalidArgumentError, type JsonObject, SeededRandom } from '@graft/core';
import { probability } from '../validate.js';
import { checkTexts, textChildSeed } from './define-text-op.js';
import type { TextAugmentation, TextOpContext, TextOpDescriptor } from './text-augmentation.js';

/** Runs text ops in order; op `i` is seeded from the call's seed and `i`. */
export function composeText(ops: readonly TextAugmentation[]): TextAugmentation {
  if (!Array.isArray(ops) || ops.some((op) => typeof op?.apply !== 'function')) {
    throw new InvalidArgumentError({
      argument: 'composeText.ops',
      value: ops,
      expected: 'must be a list of text ops',
    });
  }
  const list = [...ops];
  return {
    name: 'compose',
    apply(texts, options) {
      checkTexts(texts, options);
      return list.reduce<string[]>(
        (current, op, index) => op.apply(current, { seed: textChildSeed(options.seed, index) }),
        [...texts],
      );
    },
    toConfig() {
      return { name: 'compose', options: { ops: list.map((op) => op.toConfig()) } };
    },
  };
}

/** Applies `op` to each text with probability `chance`. */
export function randomApplyText(chance: number, op: TextAugmentation): TextAugmentation {
  const checked = probability('randomApply.probability', chance);
  if (typeof op?.apply !== 'function') {
    throw new InvalidArgumentError({
      argument: 'randomApply.op',
      value: op,
      expected: 'must be a text op',
    });
  }
  return {
    name: 'randomApply',
    apply(texts, options) {
      checkTexts(texts, options);
      const random = new SeededRandom(options.seed);
      const augmented = op.apply(texts, { seed: textChildSeed(options.seed, 'op') });
      return texts.map((text, index) =>
        random.bernoulli(checked) ? (augmented[index] ?? text) : text,
      );
    },
    toConfig() {
      return { name: 'randomApply', options: { probability: checked, op: op.toConfig() } };
    },
  };
}

export const composeTextDescriptor: TextOpDescriptor = {
  name: 'compose',
  description: 'run text ops in sequence',
  create(options: JsonObject, context: TextOpContext) {
    if (!Array.isArray(options.ops)) {
      throw new InvalidArgumentError({
        argument: 'compose.ops',
        value: options.ops,
        expected: 'must be a list of op configs',
      });
    }
    return composeText(options.ops.map((config) => context.fromConfig(config as JsonObject)));
  },
};

export const randomApplyTextDescriptor: TextOpDescriptor = {
  name: 'randomApply',
  description: 'apply a text op with a probability',
  create(options: JsonObject, context: TextOpContext) {
    if (options.op === null || typeof options.op !== 'object' || Array.isArray(options.op)) {
      throw new InvalidArgumentError({
        argument: 'randomApply.op',
        value: options.op,
        expected: 'must be an op config { name, options }',
      });
    }
    return randomApplyText(options.probability as number, context.fromConfig(options.op));
  },
};
