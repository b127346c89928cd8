import { describe, expect, it } from 'vitest';
import { buildSchedule, scheduleConfigFor } from './build-schedule.js';

const run = { learningRate: 0.01, stepsPerEpoch: 10, epochs: 6 };

describe('scheduleConfigFor', () => {
  it('makes cosine span the whole run from --lr', () => {
    const schedule = buildSchedule({ ...run, schedule: 'cosine' });
    expect(schedule(0)).toBeCloseTo(0.01, 10);
    expect(schedule(30)).toBeCloseTo(0.005, 10);
    expect(schedule(60)).toBeCloseTo(0, 10);
  });

  it('applies name:key=value overrides', () => {
    expect(scheduleConfigFor({ ...run, schedule: 'cosine:minLearningRate=0.001' })).toEqual({
      name: 'cosine',
      initialLearningRate: 0.01,
      totalSteps: 60,
      minLearningRate: 0.001,
    });
  });

  it('accepts a JSON config', () => {
    const config = scheduleConfigFor({ ...run, schedule: '{"name":"step","stepSize":5}' });
    expect(config).toMatchObject({ name: 'step', stepSize: 5, initialLearningRate: 0.01 });
  });

  it('builds every registered kind from --lr and the run length alone', () => {
    for (const name of [
      'constant',
      'step',
      'multi-step',
      'exponential',
      'polynomial',
      'cosine',
      'cosine-restarts',
      'one-cycle',
      'cyclic',
      'reduce-on-plateau',
      'warmup',
    ]) {
      const schedule = buildSchedule({ ...run, schedule: name });
      expect(Number.isFinite(schedule(0)), name).toBe(true);
      expect(schedule(0), name).toBeGreaterThan(0);
    }
  });

  it('lists the valid names for an unknown one', () => {
    expect(() => scheduleConfigFor({ ...run, schedule: 'cosin' })).toThrow(
      /Argument `--schedule` must be one of: .*cosine.*Received: --schedule="cosin"/,
    );
  });
});
