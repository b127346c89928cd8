import { type Callback, InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CallbackState, TrainerCallback } from '../callbacks/trainer-context.js';
import { readCallbackStates, type TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';

/** Callbacks with `getState`, by name; names must be unique so each state finds its owner. */
export function statefulCallbacksByName(
  callbacks: readonly (Callback | TrainerCallback)[],
): Map<string, TrainerCallback> {
  const byName = new Map<string, TrainerCallback>();
  callbacks.forEach((callback: TrainerCallback, index) => {
    if (callback.getState === undefined) return;
    const name = callback.name ?? `callback-${index}`;
    if (byName.has(name)) {
      throw new InvalidArgumentError({
        argument: 'callbacks',
        value: name,
        expected: 'stateful callbacks must have unique names (their state is saved by name)',
      });
    }
    byName.set(name, callback);
  });
  return byName;
}

/** Hands each callback its saved state; the decoded tensors are disposed afterwards. */
export function restoreCallbackStates(
  checkpoint: TrainingCheckpoint,
  callbacks: ReadonlyMap<string, TrainerCallback>,
): void {
  const states = readCallbackStates(checkpoint);
  try {
    for (const [name, state] of states) callbacks.get(name)?.setState?.(state);
  } finally {
    for (const state of states.values()) tf.dispose(Object.values(state.tensors ?? {}));
  }
}

/** Each stateful callback's state now, by name (what a checkpoint stores). */
export function callbackStates(
  callbacks: ReadonlyMap<string, TrainerCallback>,
): Map<string, CallbackState> {
  return new Map(
    [...callbacks].map(([name, callback]) => [name, (callback.getState as () => CallbackState)()]),
  );
}
