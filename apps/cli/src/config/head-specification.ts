import type { Head } from '@graft/core';
import { InvalidArgumentError, type JsonObject } from '@graft/core';
import { getHeadDescriptor, listHeads } from '@graft/heads';
import { parseNamedOptions } from './parse-named-options.js';

/** `--head` parsed: the registered head and the options the user gave. */
export interface HeadSpecification {
  /** Registered head name. */
  name: string;
  /** User options (not `featureDim`, `numClasses` or `seed`, which the run sets). */
  options: JsonObject;
  /** The specification as given, trimmed (what config.json records). */
  text: string;
}

/** Options the run sets itself; a user value would contradict the data or `--seed`. */
const runOwned = ['featureDim', 'numClasses', 'seed'];

/**
 * Parses `--head` (`linear`, `mlp:hiddenUnits=[1024],dropout=0.2`, `mlp:units=1024`, or
 * `{"name":"mlp",…}`), checking
 * the name against the head registry so a typo fails before any weights or data load.
 */
export function parseHeadSpecification(text: string): HeadSpecification {
  const { name, options } = parseNamedOptions({
    argument: '--head',
    text,
    example: 'mlp:hiddenUnits=[1024],dropout=0.2',
  });
  const valid = listHeads();
  if (!valid.includes(name)) {
    throw new InvalidArgumentError({
      argument: '--head',
      value: name,
      expected: `must be one of: ${valid.join(', ')}`,
    });
  }
  for (const key of runOwned) {
    if (key in options) {
      throw new InvalidArgumentError({
        argument: '--head',
        value: `${key}=${JSON.stringify(options[key])}`,
        expected: `must not set ${key}: the run sets it (from the backbone, the data and --seed)`,
      });
    }
  }
  return { name, options: expandUnits(name, options), text: text.trim() };
}

/**
 * `mlp:units=1024`: Keras's name for a Dense layer's width, shorthand for one hidden layer,
 * `hiddenUnits=[1024]` (the seed's MobileNetV2 + Dense(1024) recipe as the issue writes it).
 */
function expandUnits(name: string, options: JsonObject): JsonObject {
  if (!('units' in options) || name !== 'mlp') return options;
  const { units, ...rest } = options;
  if ('hiddenUnits' in rest) {
    throw new InvalidArgumentError({
      argument: '--head',
      value: `units=${JSON.stringify(units)}`,
      expected: 'cannot be combined with hiddenUnits: units=n is short for hiddenUnits=[n]',
    });
  }
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) {
    throw new InvalidArgumentError({
      argument: '--head',
      value: `units=${JSON.stringify(units)}`,
      expected: 'must be a positive integer, the width of the hidden Dense layer (e.g. units=1024)',
    });
  }
  return { ...rest, hiddenUnits: [units] };
}

/** Builds the head of `specification` for a run; the caller disposes it. */
export function createHeadFromSpecification(
  specification: string,
  run: { featureDim: number; numClasses: number; seed: number },
): Head {
  const { name, options } = parseHeadSpecification(specification);
  // The head validates its own option names and values (unknown keys list the valid ones).
  return getHeadDescriptor(name).create({ ...options, ...run });
}
