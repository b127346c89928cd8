import {
  type Backbone,
  type BackboneDescriptor,
  type CreateBackboneOptions,
  type RegisterOptions,
  Registry,
  type WeightSource,
} from '@graft/core';

/**
 * The global backbone registry (shared on `globalThis` by every copy of the package). Built-ins
 * register on import of `@graft/backbones`; users add theirs with {@link registerBackbone}.
 */
// biome-ignore lint/suspicious/noExplicitAny: descriptors differ in their option types.
export const backboneRegistry = new Registry<BackboneDescriptor<any>>({ kind: 'backbone' });

/** Adds (or, with a warning unless `override`, replaces) a backbone under `descriptor.name`. */
export function registerBackbone<Options extends CreateBackboneOptions>(
  descriptor: BackboneDescriptor<Options>,
  options: RegisterOptions = {},
): void {
  backboneRegistry.register(descriptor.name, descriptor, options);
}

/** Removes a backbone; returns whether it was registered. */
export function unregisterBackbone(name: string): boolean {
  return backboneRegistry.unregister(name);
}

/**
 * Registered backbone names in sorted order; `pattern` filters with `*` wildcards
 * (`mobilenet_v2*`), as timm's `list_models` does.
 */
export function listBackbones(pattern?: string): string[] {
  return backboneRegistry.names(pattern);
}

/** The descriptor registered under `name`; throws `UnknownNameError` listing valid names. */
export function getBackboneDescriptor<
  Options extends CreateBackboneOptions = CreateBackboneOptions,
>(name: string): BackboneDescriptor<Options> {
  return backboneRegistry.get(name) as BackboneDescriptor<Options>;
}

/**
 * Builds the backbone registered under `name` (weights resolved explicit path → cache → mirror →
 * download). The caller owns the result and calls `dispose()`.
 */
export async function createBackbone<Options extends CreateBackboneOptions = CreateBackboneOptions>(
  name: string,
  options?: Options,
): Promise<Backbone> {
  // async: an unknown name rejects the promise (never throws synchronously).
  return getBackboneDescriptor<Options>(name).create(options);
}

/** Formats an explicit weights file may have for `name`: the descriptor's `weightFormats`, else its sources' formats. */
export function acceptedWeightFormats(name: string): WeightSource['format'][] {
  const descriptor = getBackboneDescriptor(name);
  return [
    ...new Set(descriptor.weightFormats ?? descriptor.weights.map((source) => source.format)),
  ];
}
