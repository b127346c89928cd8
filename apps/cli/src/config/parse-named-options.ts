import type { JsonObject, JsonValue } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';

/** A registered name with its options, as `--head`, `--schedule` (and config files) give them. */
export interface NamedOptions {
  /** The registered name, e.g. `mlp` or `cosine`. */
  name: string;
  /** Options given after the name; values are JSON where they parse (`[512,256]`, `0.2`, `true`). */
  options: JsonObject;
}

/** Options of {@link parseNamedOptions}. */
export interface ParseNamedOptionsOptions {
  /** The flag, for error messages (e.g. `--head`). */
  argument: string;
  /** `name`, `name:key=value,key=value`, or a JSON object with a `name`. */
  text: string;
  /** An example for error messages (e.g. `mlp:hiddenUnits=[1024],dropout=0.2`). */
  example: string;
}

/**
 * Parses the option syntax `--head` and `--schedule` share: `name[:key=value[,key=value…]]`,
 * commas inside brackets kept (`hiddenUnits=[512,256]`), or a JSON object `{"name": …, …}`.
 */
export function parseNamedOptions(options: ParseNamedOptionsOptions): NamedOptions {
  const { argument, example } = options;
  const text = options.text.trim();
  const expected = `must be a name, name:key=value,key=value (e.g. ${example}), or a JSON object with a "name"`;
  if (text.startsWith('{')) {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new InvalidArgumentError({ argument, value: text, expected, cause: error });
    }
    if (!isObject(parsed) || typeof parsed.name !== 'string') {
      throw new InvalidArgumentError({ argument, value: text, expected });
    }
    const { name, ...rest } = parsed;
    return { name, options: rest };
  }
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (name === '') throw new InvalidArgumentError({ argument, value: text, expected });
  const parsedOptions: JsonObject = {};
  for (const pair of colon < 0 ? [] : splitTopLevel(text.slice(colon + 1), ',')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new InvalidArgumentError({ argument, value: text, expected });
    parsedOptions[pair.slice(0, equals).trim()] = parseValue(pair.slice(equals + 1).trim());
  }
  return { name, options: parsedOptions };
}

/** JSON when it parses (numbers, arrays, booleans), the text otherwise. */
export function parseValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** Splits on `separator` outside brackets, so `scale=[0.8,1]` stays whole. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of text) {
    if (character === '[' || character === '{') depth += 1;
    if (character === ']' || character === '}') depth -= 1;
    if (character === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current);
  return parts.filter((part) => part.trim() !== '');
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
