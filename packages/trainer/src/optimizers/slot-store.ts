import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerState } from './optimizer.js';

/** Slot variables (momentum, moments …) keyed by `<variable key>::<slot>`. */
export class SlotStore {
  private readonly slots = new Map<string, tf.Variable>();

  /** The slot, created as zeros shaped like `like` on first use. */
  get(key: string, slot: string, like: tf.Tensor): tf.Variable {
    const name = `${key}::${slot}`;
    let variable = this.slots.get(name);
    if (variable === undefined) {
      variable = tf.variable(tf.zerosLike(like), false);
      this.slots.set(name, variable);
    }
    return variable;
  }

  /** Clones of every slot. */
  snapshot(): OptimizerState['slots'] {
    return [...this.slots.entries()].map(([name, variable]) => ({
      name,
      tensor: tf.clone(variable),
    }));
  }

  /** Replaces every slot with copies of `slots`. */
  restore(slots: OptimizerState['slots']): void {
    this.dispose();
    for (const { name, tensor } of slots) this.slots.set(name, tf.variable(tensor, false));
  }

  dispose(): void {
    for (const variable of this.slots.values()) variable.dispose();
    this.slots.clear();
  }
}
