import type { Schedule } from '@graft/core';
import { createSchedule } from '../schedule-registry.js';
import { linearWarmup, type WarmupScheduleOptions } from './linear-warmup.js';

export type { WarmupScheduleOptions } from './linear-warmup.js';

/**
 * Linear warm-up in front of any schedule: for `step < warmupSteps` the rate rises linearly from
 * `startFactor · inner(0)` towards `inner(0)`; from `warmupSteps` on it is
 * `inner(step - warmupSteps)`, so the wrapped schedule starts when the warm-up ends. This is
 * PyTorch's `SequentialLR([LinearLR(start_factor, total_iters=warmupSteps), inner], [warmupSteps])`.
 * A nested config is built by the schedule registry.
 */
export function warmupSchedule(options: WarmupScheduleOptions): Schedule {
  return linearWarmup(options, createSchedule);
}
