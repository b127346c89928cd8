import { InvalidArgumentError, type JsonObject } from '@graft/core';
import { createOptimizer, listOptimizers, type Optimizer } from '@graft/trainer';
import { parseNamedOptions } from './parse-named-options.js';

/** `--optimizer` parsed: the registered optimiser and the options the user gave. */
export interface OptimizerSpecification {
  /** Registered optimiser name (`adam`, `adamw`, `sgd`, or one a user registered). */
  name: string;
  /** User options, without `learningRate` (which `--lr` and the schedule own). */
  options: JsonObject;
  /** The specification as given, trimmed (what config.json records). */
  text: string;
}

/** Example for error messages and help. */
export const optimizerExample = 'sgd:momentum=0.9,nesterov=true';

/**
 * Parses `--optimizer` (`adamw`, `sgd:momentum=0.9,weightDecay=1e-4`, or `{"name":"sgd",…}`) and
 * builds it once with a placeholder rate, so a wrong name, option or value fails before any
 * weights or data load.
 */
export function parseOptimizerSpecification(text: string): OptimizerSpecification {
  const { name, options } = parseNamedOptions({
    argument: '--optimizer',
    text,
    example: optimizerExample,
  });
  const valid = listOptimizers();
  if (!valid.includes(name)) {
    throw new InvalidArgumentError({
      argument: '--optimizer',
      value: name,
      expected: `must be one of: ${valid.join(', ')}`,
    });
  }
  if ('learningRate' in options) {
    throw new InvalidArgumentError({
      argument: '--optimizer',
      value: `learningRate=${JSON.stringify(options.learningRate)}`,
      expected: 'must not set learningRate: --lr (and --head-lr, --schedule) set it',
    });
  }
  try {
    createOptimizer({ ...options, name, learningRate: 1e-3 }).dispose();
  } catch (error) {
    if (!InvalidArgumentError.isInstance(error)) throw error;
    throw new InvalidArgumentError({
      argument: '--optimizer',
      value: text.trim(),
      expected: `has an invalid option: ${error.message}`,
      cause: error,
    });
  }
  return { name, options, text: text.trim() };
}

/** Builds the optimiser of `specification` at `learningRate`; the caller disposes it. */
export function createOptimizerFromSpecification(
  specification: string,
  learningRate: number,
): Optimizer {
  const { name, options } = parseOptimizerSpecification(specification);
  return createOptimizer({ ...options, name, learningRate });
}
