import { type JsonObject, Registry } from '@graft/core';
import { readOpConfig } from '../op-config.js';
import { builtinImageOps } from './builtin-image-ops.js';
import type {
  ImageAugmentationConfig,
  ImageOp,
  ImageOpContext,
  ImageOpDescriptor,
} from './image-op.js';

/**
 * All image ops by name (`compose` and `randomApply` included), shared on `globalThis`. The
 * shipped ops are added on first use of `fromConfig`, `imageOpNames`, `imageOpDescriptors` or
 * `registerImageOp`; read it through those.
 */
export const imageOpRegistry = new Registry<ImageOpDescriptor>({ kind: 'image augmentation op' });

let builtinsRegistered = false;

/** Registers the shipped ops once, lazily, so importing the package has no side effects. */
function registerBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  for (const descriptor of builtinImageOps()) {
    if (!imageOpRegistry.has(descriptor.name))
      imageOpRegistry.register(descriptor.name, descriptor);
  }
}

/** Registers a custom op so `fromConfig` can rebuild pipelines that use it. */
export function registerImageOp(
  descriptor: ImageOpDescriptor,
  options: { override?: boolean } = {},
): void {
  registerBuiltins();
  imageOpRegistry.register(descriptor.name, descriptor, options);
}

/** The registered image ops (name, description, factory), sorted by name: for `graft augment list`. */
export function imageOpDescriptors(): ImageOpDescriptor[] {
  registerBuiltins();
  return imageOpRegistry.entries().map(([, descriptor]) => descriptor);
}

/** Names of the registered image ops, sorted. */
export function imageOpNames(): string[] {
  registerBuiltins();
  return imageOpRegistry.names();
}

/**
 * Rebuilds an augmentation (single op or pipeline) from the JSON that `toConfig` produced.
 * Unknown names throw `UnknownNameError` listing the valid ones; bad options throw
 * `InvalidArgumentError` naming the field (`<op>.<field>`) and the value.
 */
export function fromConfig(config: JsonObject): ImageOp {
  const { name, options } = readOpConfig(config);
  registerBuiltins();
  return imageOpRegistry.get(name).create(options, context);
}

/** Ops made of ops rebuild their parts through this registry (see `ImageOpContext`). */
const context: ImageOpContext = { fromConfig };

export type { ImageAugmentationConfig };
