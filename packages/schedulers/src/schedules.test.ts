import {
  InvalidArgumentError,
  type JsonObject,
  type Schedule,
  type ScheduleDescriptor,
  UnknownNameError,
} from '@graft/core';
import { describe, expect, it } from 'vitest';
import {
  createSchedule,
  listSchedules,
  registerSchedule,
  scheduleFromConfig,
} from './schedule-registry.js';
import { constantSchedule } from './schedules/constant.js';
import { cosineSchedule } from './schedules/cosine.js';
import { cosineRestartsSchedule } from './schedules/cosine-restarts.js';
import { cyclicSchedule } from './schedules/cyclic.js';
import { exponentialSchedule } from './schedules/exponential.js';
import { multiStepSchedule } from './schedules/multi-step.js';
import { oneCycleSchedule } from './schedules/one-cycle.js';
import { polynomialSchedule } from './schedules/polynomial.js';
import { reduceOnPlateauSchedule } from './schedules/reduce-on-plateau.js';
import { stepSchedule } from './schedules/step.js';
import { warmupSchedule } from './schedules/warmup.js';

function expectInvalid(action: () => unknown, argument: string, value: unknown): void {
  try {
    action();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    const invalid = error as InvalidArgumentError;
    expect(invalid.argument).toBe(argument);
    expect(invalid.value).toEqual(value);
    expect(invalid.message).toContain(`Received: ${argument}=`);
    return;
  }
  expect.fail(`expected an InvalidArgumentError for ${argument}`);
}

const examples: Schedule[] = [
  constantSchedule({ learningRate: 0.01 }),
  stepSchedule({ initialLearningRate: 0.1, stepSize: 3 }),
  multiStepSchedule({ initialLearningRate: 0.1, milestones: [2, 5] }),
  exponentialSchedule({ initialLearningRate: 0.1, gamma: 0.9 }),
  polynomialSchedule({ initialLearningRate: 0.1, totalSteps: 10, endLearningRate: 0.01 }),
  cosineSchedule({ initialLearningRate: 0.1, totalSteps: 10, minLearningRate: 0.001 }),
  cosineRestartsSchedule({ initialLearningRate: 0.1, firstCycleSteps: 3, cycleMultiplier: 2 }),
  warmupSchedule({
    schedule: cosineSchedule({ initialLearningRate: 0.1, totalSteps: 8 }),
    warmupSteps: 3,
    totalSteps: 11,
  }),
  oneCycleSchedule({ maxLearningRate: 0.1, totalSteps: 12, threePhase: true }),
  cyclicSchedule({
    baseLearningRate: 0.001,
    maxLearningRate: 0.01,
    stepSizeUp: 2,
    mode: 'triangular2',
  }),
  reduceOnPlateauSchedule({ initialLearningRate: 0.1, patience: 1 }),
];

describe('schedule registry', () => {
  it('lists every built-in kind', () => {
    expect(listSchedules()).toEqual(
      expect.arrayContaining([
        'constant',
        'cosine',
        'cosine-restarts',
        'cyclic',
        'exponential',
        'multi-step',
        'one-cycle',
        'polynomial',
        'reduce-on-plateau',
        'step',
        'warmup',
      ]),
    );
    expect(listSchedules('cosine*')).toEqual(['cosine', 'cosine-restarts']);
  });

  it('rebuilds every schedule from its JSON config with identical values', () => {
    expect(new Set(examples.map((schedule) => schedule.name)).size).toBe(11);
    for (const schedule of examples) {
      const config = JSON.parse(JSON.stringify(schedule.getConfig()));
      expect(config.name).toBe(schedule.name);
      const rebuilt = scheduleFromConfig(config);
      expect(rebuilt.getConfig()).toEqual(config);
      for (let step = 0; step < 30; step++) expect(rebuilt(step)).toBe(schedule(step));
    }
  });

  it('getConfig returns a copy', () => {
    const schedule = multiStepSchedule({ initialLearningRate: 0.1, milestones: [2, 5] });
    (schedule.getConfig().milestones as number[]).push(1);
    expect(schedule.getConfig().milestones).toEqual([2, 5]);
  });

  it('rejects unknown names listing the valid ones', () => {
    expect(() => createSchedule({ name: 'cosin' })).toThrow(UnknownNameError);
    expect(() => createSchedule({ name: 'cosin' })).toThrow(/Did you mean "cosine"\?.*one-cycle/);
    expectInvalid(() => createSchedule(null as never), 'config', null);
  });

  it('accepts a user-registered kind, also inside warmup', () => {
    const descriptor: ScheduleDescriptor = {
      name: 'test-halving',
      description: 'halves every step',
      fromConfig: (config) =>
        Object.assign((step: number) => (config.start as number) / 2 ** step, {
          getConfig: () => config,
        }) as unknown as Schedule,
    };
    registerSchedule(descriptor);
    const wrapped = createSchedule({
      name: 'warmup',
      warmupSteps: 2,
      startFactor: 0.5,
      schedule: { name: 'test-halving', start: 8 },
    });
    expect([0, 1, 2, 3].map((step) => wrapped(step))).toEqual([4, 6, 8, 4]);
  });
});

describe('schedule values', () => {
  it('constant, step, multi-step, exponential follow their formulas', () => {
    expect(constantSchedule({ learningRate: 0.3 })(1e6)).toBe(0.3);
    const step = stepSchedule({ initialLearningRate: 1, stepSize: 3, gamma: 0.5 });
    expect([0, 2, 3, 5, 6].map((s) => step(s))).toEqual([1, 1, 0.5, 0.5, 0.25]);
    const multi = multiStepSchedule({ initialLearningRate: 1, milestones: [2, 5], gamma: 0.1 });
    expect(multi(1)).toBe(1);
    expect(multi(2)).toBeCloseTo(0.1, 15);
    expect(multi(100)).toBeCloseTo(0.01, 15);
    expect(exponentialSchedule({ initialLearningRate: 2, gamma: 0.5 })(3)).toBe(0.25);
  });

  it('polynomial and cosine reach their floor and stay there', () => {
    const polynomial = polynomialSchedule({
      initialLearningRate: 0.1,
      totalSteps: 10,
      power: 2,
      endLearningRate: 0.01,
    });
    expect(polynomial(0)).toBeCloseTo(0.1, 15);
    expect(polynomial(5)).toBeCloseTo(0.09 * 0.25 + 0.01, 15);
    expect(polynomial(10)).toBeCloseTo(0.01, 15);
    expect(polynomial(50)).toBeCloseTo(0.01, 15);
    const cosine = cosineSchedule({
      initialLearningRate: 0.1,
      totalSteps: 10,
      minLearningRate: 0.002,
    });
    expect(cosine(5)).toBeCloseTo(0.051, 15);
    expect(cosine(10)).toBeCloseTo(0.002, 15);
    expect(cosine(25)).toBeCloseTo(0.002, 15);
  });

  it('cosine restarts jump back at cycle boundaries 3, 3+6, 3+6+12', () => {
    const sgdr = cosineRestartsSchedule({
      initialLearningRate: 1,
      firstCycleSteps: 3,
      cycleMultiplier: 2,
    });
    for (const boundary of [0, 3, 9, 21]) {
      expect(sgdr(boundary)).toBe(1);
      if (boundary > 0) expect(sgdr(boundary - 1)).toBeLessThan(0.3);
    }
    expect(sgdr(9 + 6)).toBeCloseTo(0.5, 12);
  });

  it('warmup rises linearly then hands over to the wrapped schedule', () => {
    const inner = stepSchedule({ initialLearningRate: 0.4, stepSize: 2, gamma: 0.5 });
    const warm = warmupSchedule({ schedule: inner, warmupSteps: 4 });
    expect([0, 1, 2, 3].map((s) => warm(s))).toEqual([0, 0.1, 0.2, 0.30000000000000004]);
    expect([4, 5, 6].map((s) => warm(s))).toEqual([0.4, 0.4, 0.2]);
  });

  it('one-cycle starts at max/div, peaks at pctStart and ends at max/div/finalDiv', () => {
    const cycle = oneCycleSchedule({ maxLearningRate: 0.5, totalSteps: 101, pctStart: 0.3 });
    expect(cycle(0)).toBeCloseTo(0.02, 15);
    const peak = [...Array(101).keys()].reduce((best, s) => (cycle(s) > cycle(best) ? s : best), 0);
    expect(Math.abs(peak - 29.3)).toBeLessThan(1);
    expect(cycle(100)).toBeCloseTo(0.02 / 1e4, 15);
    expect(cycle(500)).toBe(cycle(100));
  });

  it('cyclic modes shrink the amplitude as documented', () => {
    const options = { baseLearningRate: 1, maxLearningRate: 3, stepSizeUp: 2 } as const;
    const triangular = cyclicSchedule(options);
    const halving = cyclicSchedule({ ...options, mode: 'triangular2' });
    const exp = cyclicSchedule({ ...options, mode: 'exp_range', gamma: 0.5 });
    expect([0, 1, 2, 3, 4, 6].map((s) => triangular(s))).toEqual([1, 2, 3, 2, 1, 3]);
    expect(halving(6)).toBe(2);
    expect(halving(10)).toBe(1.5);
    expect(exp(2)).toBe(1 + 2 * 0.25);
  });
});

describe('reduce-on-plateau', () => {
  it('reduces after patience bad observations, honours cooldown and the floor', () => {
    const schedule = reduceOnPlateauSchedule({
      initialLearningRate: 1,
      patience: 1,
      factor: 0.5,
      cooldown: 1,
      minLearningRate: 0.2,
    });
    const rates = [1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95].map((metric, step) => {
      schedule.observe?.(metric, step);
      return schedule(step);
    });
    expect(rates).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2]);
  });

  it('saves and restores its counters through JSON', () => {
    const first = reduceOnPlateauSchedule({ initialLearningRate: 1, patience: 2, mode: 'max' });
    expect(first.getState?.()).toEqual({
      learningRate: 1,
      best: null,
      badObservations: 0,
      cooldownCounter: 0,
    });
    for (const metric of [0.5, 0.6, 0.6, 0.6]) first.observe?.(metric, 0);
    const saved = JSON.parse(JSON.stringify(first.getState?.())) as JsonObject;
    expect(saved).toEqual({ learningRate: 1, best: 0.6, badObservations: 2, cooldownCounter: 0 });
    const second = createSchedule(first.getConfig());
    second.setState?.(saved);
    first.observe?.(0.6, 5);
    second.observe?.(0.6, 5);
    expect(second(5)).toBe(first(5));
    expect(second(5)).toBeCloseTo(0.1, 15);
    expectInvalid(() => second.setState?.({ learningRate: -1 }), 'state', { learningRate: -1 });
    expectInvalid(() => second.observe?.(Number.NaN, 6), 'metric', Number.NaN);
  });
});

describe('bad arguments name the argument and the value', () => {
  it('non-positive steps', () => {
    expectInvalid(
      () => cosineSchedule({ initialLearningRate: 0.1, totalSteps: 0 }),
      'totalSteps',
      0,
    );
    expectInvalid(() => stepSchedule({ initialLearningRate: 0.1, stepSize: -2 }), 'stepSize', -2);
    expectInvalid(
      () => polynomialSchedule({ initialLearningRate: 0.1, totalSteps: 2.5 }),
      'totalSteps',
      2.5,
    );
    expectInvalid(
      () => cosineRestartsSchedule({ initialLearningRate: 0.1, firstCycleSteps: 0 }),
      'firstCycleSteps',
      0,
    );
    expectInvalid(
      () => cyclicSchedule({ baseLearningRate: 0.1, maxLearningRate: 1, stepSizeUp: 0 }),
      'stepSizeUp',
      0,
    );
    expectInvalid(
      () => multiStepSchedule({ initialLearningRate: 0.1, milestones: [5, 3] }),
      'milestones',
      [5, 3],
    );
    expectInvalid(() => constantSchedule({ learningRate: 0.1 })(-1), 'step', -1);
    expectInvalid(() => constantSchedule({ learningRate: 0 }), 'learningRate', 0);
  });

  it('warmup longer than the run', () => {
    const inner = cosineSchedule({ initialLearningRate: 0.1, totalSteps: 100 });
    expectInvalid(
      () => warmupSchedule({ schedule: inner, warmupSteps: 120, totalSteps: 100 }),
      'warmupSteps',
      120,
    );
    expectInvalid(() => warmupSchedule({ schedule: inner, warmupSteps: 0 }), 'warmupSteps', 0);
    expectInvalid(
      () => warmupSchedule({ schedule: inner, warmupSteps: 5, startFactor: 2 }),
      'startFactor',
      2,
    );
    expectInvalid(
      () => oneCycleSchedule({ maxLearningRate: 0.1, totalSteps: 3, pctStart: 0.3 }),
      'pctStart',
      0.3,
    );
  });

  it('min > max', () => {
    expectInvalid(
      () => cosineSchedule({ initialLearningRate: 0.1, totalSteps: 10, minLearningRate: 0.2 }),
      'minLearningRate',
      0.2,
    );
    expectInvalid(
      () => cyclicSchedule({ baseLearningRate: 0.2, maxLearningRate: 0.1 }),
      'baseLearningRate',
      0.2,
    );
    expectInvalid(
      () => reduceOnPlateauSchedule({ initialLearningRate: 0.1, minLearningRate: 1 }),
      'minLearningRate',
      1,
    );
    expectInvalid(
      () => polynomialSchedule({ initialLearningRate: 0.1, totalSteps: 5, endLearningRate: 1 }),
      'endLearningRate',
      1,
    );
    expect(() =>
      cosineSchedule({ initialLearningRate: 0.1, totalSteps: 10, minLearningRate: 0.2 }),
    ).toThrow(
      'Argument `minLearningRate` must be <= initialLearningRate (0.1). Received: minLearningRate=0.2',
    );
  });

  it('wrong types from a config file', () => {
    expectInvalid(
      () => createSchedule({ name: 'one-cycle', maxLearningRate: '0.1', totalSteps: 10 }),
      'maxLearningRate',
      '0.1',
    );
    expectInvalid(
      () =>
        createSchedule({ name: 'cyclic', baseLearningRate: 0.1, maxLearningRate: 1, mode: 'sine' }),
      'mode',
      'sine',
    );
  });
});
