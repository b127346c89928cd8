import { fromConfig, type ImageOp } from '@graft/augmentation';
import type { JsonObject, JsonValue } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';

/**
 * Parses `--augment`: a JSON config (`{"name":"compose","options":{...}}` or a list of op
 * configs), or ops separated by commas, each `name[:key=value[:key=value…]]` with JSON values:
 * `randomFlip,randomRotation:degrees=15,randomResizedCrop:scale=[0.8,1]`.
 */
export function augmentationConfigFrom(specification: string): JsonObject {
  const text = specification.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new InvalidArgumentError({
        argument: '--augment',
        value: text,
        expected: 'must be op names (randomFlip,randomRotation:degrees=15) or valid JSON',
        cause: error,
      });
    }
    return Array.isArray(parsed)
      ? { name: 'compose', options: { ops: parsed } }
      : (parsed as JsonObject);
  }
  const ops = splitTopLevel(text, ',').map((part): JsonObject => {
    const [name = '', ...pairs] = splitTopLevel(part.trim(), ':');
    const options: JsonObject = {};
    for (const pair of pairs) {
      const equals = pair.indexOf('=');
      if (equals <= 0) {
        throw new InvalidArgumentError({
          argument: '--augment',
          value: part,
          expected: 'must give options as name:key=value (e.g. randomRotation:degrees=15)',
        });
      }
      const value = pair.slice(equals + 1);
      options[pair.slice(0, equals)] = parseValue(value);
    }
    return { name, options };
  });
  return ops.length === 1 ? (ops[0] as JsonObject) : { name: 'compose', options: { ops } };
}

/** Builds the augmentation of `--augment` (unknown op names list the valid ones). */
export function buildAugmentation(specification: string): ImageOp {
  return fromConfig(augmentationConfigFrom(specification));
}

function parseValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** Splits on `separator` outside brackets, so `scale=[0.8,1]` stays whole. */
function splitTopLevel(text: string, separator: string): string[] {
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
