import type { JsonObject } from './json.js';

/** A schedule's configuration: its registered name plus its options; JSON-safe. */
export interface ScheduleConfig extends JsonObject {
  /** Registered name, e.g. `cosine`. */
  name: string;
}

/**
 * A learning-rate schedule: a pure function of the optimiser step (0-based), with no tensors.
 * Create one by `Object.assign((step) => ..., { name, getConfig })`.
 */
export interface Schedule {
  (step: number): number;
  /** Registered name. */
  readonly name: string;
  /** Enough to rebuild the schedule with its descriptor's `fromConfig`. */
  getConfig(): ScheduleConfig;
  /**
   * For schedules that react to a metric (reduce-on-plateau): called by the trainer at the end
   * of each epoch with the monitored value.
   */
  observe?(metric: number, step: number): void;
  /** Mutable state beyond the step (reduce-on-plateau), saved in checkpoints. */
  getState?(): JsonObject;
  /** Restores {@link getState}. */
  setState?(state: JsonObject): void;
}

/** A registered schedule kind. */
export interface ScheduleDescriptor {
  /** Unique name, e.g. `one-cycle`. */
  name: string;
  /** One line for listings. */
  description: string;
  /** Rebuilds a schedule from its config; throws naming any invalid field. */
  fromConfig(config: ScheduleConfig): Schedule;
}
