import { type JsonObject, Registry } from '@graft/core';
import { readOpConfig } from '../op-config.js';
import { composeTextDescriptor, randomApplyTextDescriptor } from './compose-text.js';
import { randomDeletionDescriptor } from './random-deletion.js';
import { randomInsertionDescriptor } from './random-insertion.js';
import { randomSwapDescriptor } from './random-swap.js';
import { sentenceShuffleDescriptor } from './sentence-shuffle.js';
import { synonymReplacementDescriptor } from './synonym-replacement.js';
import type { TextAugmentation, TextOpContext, TextOpDescriptor } from './text-augmentation.js';

/** All text ops by name, shared on `globalThis`. */
export const textOpRegistry = new Registry<TextOpDescriptor>({ kind: 'text augmentation op' });

let builtinsRegistered = false;

function registerBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  for (const descriptor of [
    composeTextDescriptor,
    randomApplyTextDescriptor,
    randomDeletionDescriptor,
    randomInsertionDescriptor,
    randomSwapDescriptor,
    sentenceShuffleDescriptor,
    synonymReplacementDescriptor,
  ]) {
    if (!textOpRegistry.has(descriptor.name)) textOpRegistry.register(descriptor.name, descriptor);
  }
}

/** Registers a custom text op so `textFromConfig` can rebuild pipelines that use it. */
export function registerTextOp(
  descriptor: TextOpDescriptor,
  options: { override?: boolean } = {},
): void {
  registerBuiltins();
  textOpRegistry.register(descriptor.name, descriptor, options);
}

/** The registered text ops (name, description, factory), sorted by name. */
export function textOpDescriptors(): TextOpDescriptor[] {
  registerBuiltins();
  return textOpRegistry.entries().map(([, descriptor]) => descriptor);
}

/** Names of the registered text ops, sorted. */
export function textOpNames(): string[] {
  registerBuiltins();
  return textOpRegistry.names();
}

/** Rebuilds a text augmentation from the JSON that `toConfig` produced. */
export function textFromConfig(config: JsonObject): TextAugmentation {
  const { name, options } = readOpConfig(config);
  registerBuiltins();
  return textOpRegistry.get(name).create(options, context);
}

/** Ops made of ops rebuild their parts through this registry (see `TextOpContext`). */
const context: TextOpContext = { fromConfig: textFromConfig };
