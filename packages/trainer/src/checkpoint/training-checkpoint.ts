import {
  FileFormatError,
  type JsonObject,
  type RandomState,
  type ScheduleConfig,
  type TrainLogs,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CallbackState } from '../callbacks/callback-state.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { KeyedWeight } from '../training/trainable-variables.js';

/** The JSON half of a {@link TrainingCheckpoint}. */
export interface CheckpointManifest {
  /** Always `graft-training-checkpoint`. */
  format: 'graft-training-checkpoint';
  /** Layout version of this manifest. */
  formatVersion: 1;
  /** Mode of the run that wrote it. */
  mode: 'feature-extraction' | 'fine-tune';
  /** Epochs completed: a resumed run starts at this epoch. */
  epoch: number;
  /** Optimiser steps taken (the schedule's next step). */
  step: number;
  /** State of the trainer's random generator after {@link epoch} epochs. */
  random: RandomState;
  /** Optimiser config and update count. */
  optimizer: { config: JsonObject; iterations: number };
  /** Schedule config and state, when the run has a schedule. */
  schedule?: { config: ScheduleConfig; state?: JsonObject };
  /** Logs of every completed epoch. */
  history: TrainLogs[];
  /**
   * Set when a callback stopped training (early stopping): a resumed run trains no further
   * epochs and only finishes (restores best weights, saves).
   */
  stopReason?: string;
  /** Each stateful callback's `getState().values`, by callback name. */
  callbacks?: Record<string, JsonObject>;
  /**
   * Layout of {@link TrainingCheckpoint.data}: `weights/<key>`, `slots/<key>::<slot>` and
   * `callbacks/<name>::<tensor>`.
   */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** Free-form extras (e.g. the best metric of an early-stopping callback). */
  extra?: JsonObject;
}

/**
 * Everything needed to continue a run as if it had never stopped: weights (backbone when
 * fine-tuning, head always), optimiser slots, schedule state, random state, epoch, step and
 * history. In memory; `@graft/trainer/node` writes it to a directory atomically.
 */
export interface TrainingCheckpoint {
  /** JSON part. */
  manifest: CheckpointManifest;
  /** Binary part: float32/int32 tensors laid out by `manifest.weightSpecs`. */
  data: ArrayBuffer;
}

/** Encodes weights and optimiser slots into a checkpoint. */
export async function captureCheckpoint(options: {
  /** Manifest fields besides the tensor layout. */
  manifest: Omit<CheckpointManifest, 'weightSpecs' | 'format' | 'formatVersion' | 'optimizer'>;
  /** Weights to store (by stable key). */
  weights: readonly KeyedWeight[];
  /** The optimiser. */
  optimizer: Optimizer;
  /** Callback states by callback name (tensors are copied, not taken). */
  callbacks?: ReadonlyMap<string, CallbackState>;
}): Promise<TrainingCheckpoint> {
  const optimizerState = options.optimizer.getState();
  const callbackValues: Record<string, JsonObject> = {};
  const callbackTensors: Array<{ name: string; tensor: tf.Tensor }> = [];
  for (const [name, state] of options.callbacks ?? []) {
    callbackValues[name] = state.values;
    for (const [tensorName, tensor] of Object.entries(state.tensors ?? {})) {
      callbackTensors.push({ name: `callbacks/${name}::${tensorName}`, tensor });
    }
  }
  const named: Array<{ name: string; tensor: tf.Tensor }> = [
    ...options.weights.map(({ key, weight }) => ({
      name: `weights/${key}`,
      tensor: weight.read(),
    })),
    ...optimizerState.slots.map(({ name, tensor }) => ({ name: `slots/${name}`, tensor })),
    ...callbackTensors,
  ];
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    return {
      manifest: {
        format: 'graft-training-checkpoint',
        formatVersion: 1,
        ...options.manifest,
        ...(options.callbacks && options.callbacks.size > 0 ? { callbacks: callbackValues } : {}),
        optimizer: { config: options.optimizer.getConfig(), iterations: optimizerState.iterations },
        weightSpecs: specs,
      },
      data,
    };
  } finally {
    tf.dispose(optimizerState.slots.map(({ tensor }) => tensor));
  }
}

/**
 * Writes a checkpoint's weights into `weights` and its slots into `optimizer`. Every weight in
 * `weights` must be in the checkpoint with the same shape.
 */
export function restoreCheckpoint(options: {
  /** The checkpoint. */
  checkpoint: TrainingCheckpoint;
  /** Weights to overwrite. */
  weights: readonly KeyedWeight[];
  /** The optimiser whose state is replaced. */
  optimizer: Optimizer;
}): void {
  const { manifest, data } = options.checkpoint;
  if (manifest?.format !== 'graft-training-checkpoint') {
    throw new FileFormatError({
      file: 'checkpoint',
      problem: `not a Graft training checkpoint (format ${JSON.stringify(manifest?.format)})`,
    });
  }
  const decoded = tf.io.decodeWeights(data, manifest.weightSpecs);
  try {
    for (const { key, weight } of options.weights) {
      const tensor = decoded[`weights/${key}`];
      if (tensor === undefined) {
        throw new FileFormatError({
          file: 'checkpoint',
          problem: `has no weight ${key} (${weight.originalName}); was it written by another model or mode?`,
        });
      }
      if (!tf.util.arraysEqual(tensor.shape, weight.shape as number[])) {
        throw new FileFormatError({
          file: 'checkpoint',
          problem: `weight ${key} (${weight.originalName}) has shape [${tensor.shape}], the model has [${weight.shape}]`,
        });
      }
      weight.write(tensor);
    }
    const slots = Object.entries(decoded)
      .filter(([name]) => name.startsWith('slots/'))
      .map(([name, tensor]) => ({ name: name.slice('slots/'.length), tensor }));
    options.optimizer.setState({
      name: options.optimizer.name,
      iterations: manifest.optimizer.iterations,
      slots,
    });
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

/**
 * The callback states stored in a checkpoint, by callback name; the caller disposes the
 * tensors. Empty for checkpoints written before callbacks had state.
 */
export function readCallbackStates(checkpoint: TrainingCheckpoint): Map<string, CallbackState> {
  const states = new Map<string, CallbackState>();
  const { manifest, data } = checkpoint;
  for (const [name, values] of Object.entries(manifest.callbacks ?? {})) {
    states.set(name, { values });
  }
  const specs = manifest.weightSpecs.filter((spec) => spec.name.startsWith('callbacks/'));
  if (specs.length === 0) return states;
  // decodeWeights needs the byte offsets of the full layout: decode everything, keep ours.
  const decoded = tf.io.decodeWeights(data, manifest.weightSpecs);
  for (const [fullName, tensor] of Object.entries(decoded)) {
    const match = /^callbacks\/(.+?)::(.+)$/.exec(fullName);
    const state = match ? states.get(match[1] as string) : undefined;
    if (!match || !state) {
      tensor.dispose();
      continue;
    }
    state.tensors = { ...state.tensors, [match[2] as string]: tensor };
  }
  return states;
}
