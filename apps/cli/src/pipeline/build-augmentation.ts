import { fromConfig, type ImageOp } from '@graft/augmentation';
import type { JsonObject, JsonValue } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';
import { parseValue, splitTopLevel } from '../config/parse-named-options.js';

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

/** Ops whose `size` is required by the augmentation package; `--augment` defaults it. */
const sizedOps = new Set(['randomResizedCrop', 'randomCrop', 'centerCrop', 'resize']);

/** Options of {@link buildAugmentation}. */
export interface BuildAugmentationOptions {
  /** `[height, width]` the images have (the backbone's input size): the default `size` of sized ops. */
  imageSize: readonly [number, number];
}

/**
 * Builds the augmentation of `--augment` (unknown op names list the valid ones). An op that
 * needs a `size` (`randomResizedCrop`, `randomCrop`, `centerCrop`, `resize`) and was given none
 * gets `imageSize`, so `--augment randomResizedCrop` keeps the backbone's input size; the
 * filled-in size is what the saved config records.
 */
export function buildAugmentation(
  specification: string,
  options: BuildAugmentationOptions,
): ImageOp {
  const size: JsonValue = [options.imageSize[0], options.imageSize[1]];
  return fromConfig(withDefaultSize(augmentationConfigFrom(specification), size));
}

/** `config` with `size` filled in on every sized op, inside `compose`/`randomApply` too. */
function withDefaultSize(config: JsonObject, size: JsonValue): JsonObject {
  const options = config.options;
  if (typeof config.name !== 'string' || !isObject(options)) {
    return typeof config.name === 'string' && sizedOps.has(config.name) && options === undefined
      ? { ...config, options: { size } }
      : config;
  }
  const filled: JsonObject = { ...options };
  if (sizedOps.has(config.name) && filled.size === undefined) filled.size = size;
  if (Array.isArray(filled.ops)) {
    filled.ops = filled.ops.map((op) => (isObject(op) ? withDefaultSize(op, size) : op));
  }
  if (isObject(filled.op)) filled.op = withDefaultSize(filled.op, size);
  return { ...config, options: filled };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
