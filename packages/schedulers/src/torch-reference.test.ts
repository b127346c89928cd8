import { readFileSync } from 'node:fs';
import type { ScheduleConfig } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { createSchedule } from './schedule-registry.js';

interface ReferenceCase {
  id: string;
  torch: string;
  schedule: ScheduleConfig;
  learningRates: number[];
  metrics?: number[];
}

const reference = JSON.parse(
  readFileSync(new URL('./__fixtures__/torch-reference.json', import.meta.url), 'utf8'),
) as { torchVersion: string; cases: ReferenceCase[]; plateauCases: ReferenceCase[] };

const tolerance = 1e-9;

/** Relative error; an exact zero in the reference must be matched to within 1e-15. */
function relativeError(actual: number, expected: number): number {
  if (expected === 0) return Math.abs(actual) <= 1e-15 ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe(`schedules match torch ${reference.torchVersion} lr_scheduler`, () => {
  it('has every registered kind except constant covered by a reference case', () => {
    const covered = new Set(
      [...reference.cases, ...reference.plateauCases].map((entry) => entry.schedule.name),
    );
    for (const name of ['step', 'multi-step', 'exponential', 'polynomial', 'cosine']) {
      expect(covered).toContain(name);
    }
    for (const name of ['cosine-restarts', 'warmup', 'one-cycle', 'cyclic', 'reduce-on-plateau']) {
      expect(covered).toContain(name);
    }
  });

  for (const entry of reference.cases) {
    it(`${entry.id}: ${entry.torch}`, () => {
      const schedule = createSchedule(entry.schedule);
      let worst = 0;
      entry.learningRates.forEach((expected, step) => {
        const error = relativeError(schedule(step), expected);
        if (error > worst) worst = error;
        if (error > tolerance) {
          expect.fail(`step ${step}: graft ${schedule(step)} vs torch ${expected}`);
        }
      });
      expect(worst).toBeLessThanOrEqual(tolerance);
    });
  }

  for (const entry of reference.plateauCases) {
    it(`${entry.id}: ${entry.torch}`, () => {
      const schedule = createSchedule(entry.schedule);
      const metrics = entry.metrics ?? [];
      expect(metrics.length).toBe(entry.learningRates.length);
      metrics.forEach((metric, index) => {
        schedule.observe?.(metric, index);
        const expected = entry.learningRates[index] as number;
        expect(relativeError(schedule(index), expected)).toBeLessThanOrEqual(tolerance);
      });
      // The metric series has plateaus, so each case must actually reduce the rate.
      expect(entry.learningRates.at(-1)).toBeLessThan(entry.schedule.initialLearningRate as number);
    });
  }
});
