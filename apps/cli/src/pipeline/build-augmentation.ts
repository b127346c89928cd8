import { fromConfig, type ImageOp } from '@graft/augmentation';
import type { JsonObject, JsonValue } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';
import { parseNamedOptions, parseValue, splitTopLevel } from '../config/parse-named-options.js';

/** Options of {@link augmentationConfigFrom}. */
export interface AugmentationConfigOptions {
  /** Told once when `specification` uses the old syntax (`op,op:key=value:key=value`). */
  onDeprecation?: (message: string) => void;
}

/**
 * Parses `--augment`: a JSON config (`{"name":"compose","options":{...}}` or a list of op
 * configs), or ops joined by `+`, each written like `--head` and `--schedule`:
 * `name[:key=value,key=value]` with JSON values, e.g.
 * `randomFlip+randomRotation:degrees=15,fill=0+randomResizedCrop:scale=[0.8,1]`. The old syntax
 * (ops separated by commas, options by colons: `randomFlip,randomRotation:degrees=15`) is still
 * read, with a deprecation note.
 */
export function augmentationConfigFrom(
  specification: string,
  options: AugmentationConfigOptions = {},
): JsonObject {
  const text = specification.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new InvalidArgumentError({
        argument: '--augment',
        value: text,
        expected: `must be ops (${example}) or valid JSON`,
        cause: error,
      });
    }
    return Array.isArray(parsed)
      ? { name: 'compose', options: { ops: parsed } }
      : (parsed as JsonObject);
  }
  let ops: JsonObject[];
  if (isLegacySyntax(text)) {
    ops = legacyOps(text);
    options.onDeprecation?.(
      `--augment ${text}: ops separated by commas and options by colons is the old syntax; write ${modernForm(ops)} (ops joined by +, options name:key=value,key=value as in --head and --schedule)`,
    );
  } else {
    ops = splitTopLevel(text, '+').map((part) => {
      const { name, options: opOptions } = parseNamedOptions({
        argument: '--augment',
        text: part,
        example,
      });
      return { name, options: opOptions };
    });
  }
  return ops.length === 1 ? (ops[0] as JsonObject) : { name: 'compose', options: { ops } };
}

const example = 'randomFlip+randomRotation:degrees=15,fill=0';

/**
 * The old syntax, told apart without ambiguity: no `+`, and either a comma before the first
 * colon (`randomFlip,randomRotation…`), a second colon (`op:a=1:b=2`), or a comma-separated part
 * with no `=` (`op:a=1,randomFlip`), none of which the new syntax can mean.
 */
function isLegacySyntax(text: string): boolean {
  if (splitTopLevel(text, '+').length > 1) return false;
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  if (name.includes(',')) return true;
  if (colon < 0) return false;
  const rest = text.slice(colon + 1);
  if (splitTopLevel(rest, ':').length > 1) return true;
  return splitTopLevel(rest, ',').some((part) => !part.includes('='));
}

function legacyOps(text: string): JsonObject[] {
  return splitTopLevel(text, ',').map((part): JsonObject => {
    const [name = '', ...pairs] = splitTopLevel(part.trim(), ':');
    const opOptions: JsonObject = {};
    for (const pair of pairs) {
      const equals = pair.indexOf('=');
      if (equals <= 0) {
        throw new InvalidArgumentError({
          argument: '--augment',
          value: part,
          expected: `must give options as name:key=value,key=value (e.g. ${example})`,
        });
      }
      opOptions[pair.slice(0, equals)] = parseValue(pair.slice(equals + 1));
    }
    return { name: name.trim(), options: opOptions };
  });
}

/** `ops` written in the new syntax, for the deprecation note. */
function modernForm(ops: readonly JsonObject[]): string {
  return ops
    .map((op) => {
      const pairs = Object.entries((op.options ?? {}) as JsonObject).map(
        ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
      );
      return pairs.length === 0 ? String(op.name) : `${String(op.name)}:${pairs.join(',')}`;
    })
    .join('+');
}

/** Ops whose `size` is required by the augmentation package; `--augment` defaults it. */
const sizedOps = new Set(['randomResizedCrop', 'randomCrop', 'centerCrop', 'resize']);

/** Options of {@link buildAugmentation}. */
export interface BuildAugmentationOptions extends AugmentationConfigOptions {
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
  return fromConfig(withDefaultSize(augmentationConfigFrom(specification, options), size));
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
