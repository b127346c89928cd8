import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { WeightSlot, WeightSnapshot } from './training-session-protocol.js';

/** The weights of one pair of training models, kept in memory the worker threads share. */
export interface TrainingWeightSnapshot {
  /** Where each weight lies, in snapshot order (sent once, when a thread opens the models). */
  readonly slots: readonly WeightSlot[];
  /**
   * Copies in the weights whose value changed since the last call (tfjs gives a tensor new
   * data on every `assign`/`write`, so an unchanged `dataId` means unchanged values) and returns
   * the snapshot to send. `inUse`: a thread may still be reading the current buffer, so changes
   * go to a new one instead of being written under it.
   */
  current(inUse: boolean): WeightSnapshot;
}

/**
 * One read of each changed weight per step, shared by every worker, instead of one read and one
 * structured-clone copy per weight, worker and pass; weights that never change (a frozen
 * prefix) are read once.
 */
export function createTrainingWeightSnapshot(
  weights: ReadonlyMap<string, tfl.LayerVariable>,
): TrainingWeightSnapshot {
  const entries = [...weights];
  const slots: WeightSlot[] = [];
  let total = 0;
  for (const [name, weight] of entries) {
    const length = weight.shape.reduce<number>((product, size) => product * (size ?? 1), 1);
    slots.push({ name, offset: total, length, dims: weight.shape as number[] });
    total += length;
  }
  let buffer = new SharedArrayBuffer(total * 4);
  const versions = new Uint32Array(slots.length);
  const copiedFrom: Array<tf.DataId | undefined> = slots.map(() => undefined);
  let version = 0;
  return {
    slots,
    current(inUse) {
      const changed: number[] = [];
      entries.forEach(([, weight], index) => {
        if (weight.read().dataId !== copiedFrom[index]) changed.push(index);
      });
      if (changed.length > 0) {
        if (inUse) {
          const next = new SharedArrayBuffer(buffer.byteLength);
          new Uint8Array(next).set(new Uint8Array(buffer));
          buffer = next;
        }
        version++;
        for (const index of changed) {
          const slot = slots[index] as WeightSlot;
          const tensor = (entries[index] as [string, tfl.LayerVariable])[1].read();
          // Synchronous, so no other call sees a half-written snapshot (CPU-side backends only:
          // this engine runs in Node).
          new Float32Array(buffer, slot.offset * 4, slot.length).set(
            tensor.dataSync() as Float32Array,
          );
          copiedFrom[index] = tensor.dataId;
          versions[index] = version;
        }
      }
      return { buffer, versions: versions.slice() };
    },
  };
}
