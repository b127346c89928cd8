import { InvalidArgumentError, type JsonObject, UnknownNameError } from '@graft/core';
import {
  type ClassificationLoss,
  type ClassWeightSetting,
  createClassificationLoss,
} from '@graft/trainer';
import { parseNamedOptions, parseValue, splitTopLevel } from './parse-named-options.js';

/** Metrics `--monitor` accepts: what early stopping and best-checkpoint selection watch. */
export const monitorChoices = [
  'val_loss',
  'val_accuracy',
  'val_balanced_accuracy',
  'val_macro_f1',
] as const;

/**
 * `--loss`: a registered loss with options in the shared `name:key=value` syntax
 * (`focal:gamma=2,alpha=[0.25,0.75]`) or a JSON object with a `name` (config files). Builds the
 * loss once to validate it; returns the text config.json records.
 */
export function parseLossSpecification(argument: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  buildLoss(argument, text);
  return text;
}

/** The loss `--loss` names. Unknown names throw listing the registered ones. */
export function buildLoss(argument: string, text: string): ClassificationLoss {
  const { name, options } = parseNamedOptions({
    argument,
    text,
    example: 'focal:gamma=2,alpha=[0.25,0.75]',
  });
  try {
    return createClassificationLoss({ ...options, name });
  } catch (error) {
    if (UnknownNameError.isInstance(error)) {
      throw new InvalidArgumentError({
        argument,
        value: name,
        expected: `must be one of: ${error.validNames.join(', ')}`,
      });
    }
    if (InvalidArgumentError.isInstance(error)) {
      throw new InvalidArgumentError({
        argument,
        value: text,
        expected: `must be a valid loss (${error.message})`,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * `--class-weight`: `balanced`, or `class=weight` pairs joined by commas (`ants=1,bees=4`,
 * the key=value part of the shared option syntax; classes left out weigh 1), or a JSON object
 * of weights (config files). Returns the text config.json records; class names are checked
 * against the data by {@link classWeightSetting}.
 */
export function parseClassWeightSpecification(argument: string, value: unknown): string {
  const text =
    typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value).trim();
  classWeightPairs(argument, text);
  return text;
}

/** The trainer's setting for `text`, its class names checked against the data's. */
export function classWeightSetting(
  argument: string,
  text: string,
  classNames: readonly string[],
): ClassWeightSetting {
  const pairs = classWeightPairs(argument, text);
  if (pairs === 'balanced') return 'balanced';
  for (const name of Object.keys(pairs)) {
    if (!classNames.includes(name)) {
      throw new InvalidArgumentError({
        argument,
        value: name,
        expected: `must name classes of the data (classes: ${classNames.join(', ')})`,
      });
    }
  }
  return pairs;
}

function classWeightPairs(argument: string, text: string): 'balanced' | Record<string, number> {
  const expected =
    'must be balanced, or class=weight pairs joined by commas (e.g. ants=1,bees=4), each weight a number ≥ 0';
  if (text === 'balanced') return 'balanced';
  let entries: Array<[string, unknown]>;
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InvalidArgumentError({ argument, value: text, expected, cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidArgumentError({ argument, value: text, expected });
    }
    entries = Object.entries(parsed as JsonObject);
  } else {
    entries = splitTopLevel(text, ',').map((pair) => {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new InvalidArgumentError({ argument, value: text, expected });
      return [pair.slice(0, equals).trim(), parseValue(pair.slice(equals + 1).trim())];
    });
  }
  if (entries.length === 0) throw new InvalidArgumentError({ argument, value: text, expected });
  const pairs: Record<string, number> = {};
  for (const [name, weight] of entries) {
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
      throw new InvalidArgumentError({ argument, value: `${name}=${String(weight)}`, expected });
    }
    pairs[name] = weight;
  }
  return pairs;
}
