import {
  type CreateHeadOptions,
  type Head,
  type HeadDescriptor,
  InvalidArgumentError,
  type JsonObject,
  type RegisterOptions,
  Registry,
} from '@graft/core';
import { type LinearHeadOptions, linearDescriptor } from './heads/linear.js';
import { type MlpHeadOptions, mlpDescriptor } from './heads/mlp.js';
import { type MultiLabelHeadOptions, multiLabelDescriptor } from './heads/multi-label.js';

// Descriptors take their own option types; the registry stores them by their common contract.
// biome-ignore lint/suspicious/noExplicitAny: each descriptor validates its own options.
type AnyHeadDescriptor = HeadDescriptor<any>;

const registry = new Registry<AnyHeadDescriptor>({ kind: 'head' });
let builtinsRegistered = false;

/**
 * Registers the built-in heads on first use rather than at import, so the package has no import
 * side effects and an earlier user registration of the same name is kept.
 */
function headRegistry(): Registry<AnyHeadDescriptor> {
  if (!builtinsRegistered) {
    builtinsRegistered = true;
    for (const descriptor of [linearDescriptor, mlpDescriptor, multiLabelDescriptor]) {
      if (!registry.has(descriptor.name)) registry.register(descriptor.name, descriptor);
    }
  }
  return registry;
}

/** Adds a head; `createHead(descriptor.name, options)` then builds it. */
export function registerHead<Options extends CreateHeadOptions>(
  descriptor: HeadDescriptor<Options>,
  options?: RegisterOptions,
): void {
  headRegistry().register(descriptor.name, descriptor, options);
}

/** Registered head names, sorted; `pattern` filters with `*` wildcards. */
export function listHeads(pattern?: string): string[] {
  return headRegistry().names(pattern);
}

/** The descriptor registered as `name`; throws `UnknownNameError` listing the valid names. */
export function getHeadDescriptor(name: string): AnyHeadDescriptor {
  return headRegistry().get(name);
}

/**
 * Builds a head by name with fresh weights:
 * `createHead('mlp', { featureDim: 1280, numClasses: 5, hiddenUnits: [512], seed: 1 })`.
 */
export function createHead(name: 'linear', options: LinearHeadOptions): Head;
export function createHead(name: 'mlp', options: MlpHeadOptions): Head;
export function createHead(name: 'multi-label', options: MultiLabelHeadOptions): Head;
export function createHead(
  name: string,
  options: CreateHeadOptions & Record<string, unknown>,
): Head;
export function createHead(name: string, options: CreateHeadOptions): Head {
  return headRegistry().get(name).create(options);
}

/** Rebuilds a head (fresh weights, same seed) from `head.getConfig()`. */
export function headFromConfig(config: JsonObject): Head {
  if (config === null || typeof config !== 'object' || typeof config.name !== 'string') {
    throw new InvalidArgumentError({
      argument: 'config',
      value: config,
      expected: `must be an object with a head name (one of: ${listHeads().join(', ')})`,
    });
  }
  const { name, ...options } = config;
  return createHead(name, options as unknown as CreateHeadOptions & Record<string, unknown>);
}
