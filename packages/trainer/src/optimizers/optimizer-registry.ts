import { InvalidArgumentError, type JsonObject, Registry } from '@graft/core';
import { type AdamOptions, adam, adamw } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { type SgdOptions, sgd } from './sgd.js';

/** A registered optimiser kind. */
export interface OptimizerDescriptor {
  /** Unique name, e.g. `adamw`. */
  name: string;
  /** One line for listings. */
  description: string;
  /**
   * Option names and the type each takes (`name` excluded). When present, {@link createOptimizer}
   * rejects other keys and mistyped values naming the valid ones, since the optimisers
   * themselves ignore unknown keys and a typo (`momentun`) would silently train without it.
   */
  options?: Readonly<Record<string, 'number' | 'boolean'>>;
  /** Builds a fresh optimiser from `{ name, ...options }` (e.g. a saved `getConfig()`). */
  fromConfig(config: JsonObject): Optimizer;
}

/** Optimisers known to {@link createOptimizer}; register your own with `register`. */
export const optimizerRegistry = new Registry<OptimizerDescriptor>({ kind: 'optimizer' });

const adamOptionTypes = {
  learningRate: 'number',
  beta1: 'number',
  beta2: 'number',
  epsilon: 'number',
  weightDecay: 'number',
} as const;

const builtIns: OptimizerDescriptor[] = [
  {
    name: 'sgd',
    description: 'SGD with optional (Nesterov) momentum and coupled L2 weight decay',
    options: {
      learningRate: 'number',
      momentum: 'number',
      nesterov: 'boolean',
      weightDecay: 'number',
    },
    fromConfig: (config) => sgd(withoutName(config) as SgdOptions),
  },
  {
    name: 'adam',
    description: 'Adam with bias correction',
    options: adamOptionTypes,
    fromConfig: (config) => adam(withoutName(config) as AdamOptions),
  },
  {
    name: 'adamw',
    description: 'Adam with decoupled weight decay (AdamW)',
    options: adamOptionTypes,
    fromConfig: (config) => adamw(withoutName(config) as AdamOptions),
  },
];

/** Registers the built-in optimisers once (lazily, so importing the package has no side effect). */
function ensureBuiltIns(): void {
  for (const descriptor of builtIns) {
    if (!optimizerRegistry.has(descriptor.name)) {
      optimizerRegistry.register(descriptor.name, descriptor);
    }
  }
}

/**
 * Builds an optimiser by name: `createOptimizer({ name: 'adamw', learningRate: 1e-3 })`.
 * Unknown names throw an `UnknownNameError` listing the valid ones.
 */
export function createOptimizer(config: { name: string } & JsonObject): Optimizer {
  if (typeof config?.name !== 'string') {
    throw new InvalidArgumentError({
      argument: 'name',
      value: config?.name,
      expected: 'must be an optimiser name such as "sgd", "adam" or "adamw"',
    });
  }
  ensureBuiltIns();
  const descriptor = optimizerRegistry.get(config.name);
  if (descriptor.options) checkOptions(descriptor.name, descriptor.options, config);
  return descriptor.fromConfig(config);
}

/** The registered optimiser names, sorted. */
export function listOptimizers(): string[] {
  ensureBuiltIns();
  return optimizerRegistry.names();
}

function checkOptions(
  name: string,
  types: Readonly<Record<string, 'number' | 'boolean'>>,
  config: JsonObject,
): void {
  const valid = Object.keys(types);
  for (const [key, value] of Object.entries(config)) {
    if (key === 'name') continue;
    const type = types[key];
    if (type === undefined) {
      throw new InvalidArgumentError({
        argument: `${name}.${key}`,
        value,
        expected: `is not an option of ${name}; valid options: ${valid.join(', ')}`,
      });
    }
    if (typeof value !== type) {
      throw new InvalidArgumentError({
        argument: `${name}.${key}`,
        value,
        expected: `must be a ${type}`,
      });
    }
  }
}

function withoutName(config: JsonObject): JsonObject {
  const { name: _name, ...rest } = config;
  return rest;
}
