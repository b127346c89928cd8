import { InvalidArgumentError, type Schedule, type ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import { checkBoolean, checkOneOf, checkPositive, checkPositiveInteger } from '../validate.js';

/** Options of {@link oneCycleSchedule}. */
export interface OneCycleScheduleOptions {
  /** Peak learning rate (> 0), PyTorch's `max_lr`. */
  maxLearningRate: number;
  /** Steps of the whole cycle (integer > 0); the rate stays at its final value after. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the rate, in (0, 1). Default 0.3. */
  pctStart?: number;
  /** `cos` or `linear` annealing between phases. Default `cos`. */
  annealStrategy?: 'cos' | 'linear';
  /** Start rate = maxLearningRate / divFactor (> 0). Default 25. */
  divFactor?: number;
  /** Final rate = start rate / finalDivFactor (> 0). Default 1e4. */
  finalDivFactor?: number;
  /**
   * Three phases (up, back down to the start rate symmetrically, then down to the final rate),
   * as in fast.ai's original; otherwise two (up, then down to the final rate). Default `false`.
   */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startRate: number;
  endRate: number;
}

/**
 * The 1cycle policy (Smith & Topin 2018) with PyTorch `OneCycleLR`'s phase boundaries and
 * defaults. Only the learning rate is scheduled; momentum cycling is the optimiser's business.
 */
export function oneCycleSchedule(options: OneCycleScheduleOptions): Schedule {
  const { maxLearningRate, totalSteps } = options;
  const pctStart = options.pctStart ?? 0.3;
  const annealStrategy = options.annealStrategy ?? 'cos';
  const divFactor = options.divFactor ?? 25;
  const finalDivFactor = options.finalDivFactor ?? 1e4;
  const threePhase = options.threePhase ?? false;
  checkPositive('maxLearningRate', maxLearningRate);
  checkPositiveInteger('totalSteps', totalSteps);
  checkOneOf('annealStrategy', annealStrategy, ['cos', 'linear'] as const);
  checkPositive('divFactor', divFactor);
  checkPositive('finalDivFactor', finalDivFactor);
  checkBoolean('threePhase', threePhase);
  if (!(typeof pctStart === 'number' && pctStart > 0 && pctStart < 1)) {
    throw new InvalidArgumentError({
      argument: 'pctStart',
      value: pctStart,
      expected: 'must be in (0, 1)',
    });
  }
  const initialRate = maxLearningRate / divFactor;
  const minRate = initialRate / finalDivFactor;
  // Same float boundaries as PyTorch (`float(pct_start * total_steps) - 1`).
  const phases: Phase[] = threePhase
    ? [
        { endStep: pctStart * totalSteps - 1, startRate: initialRate, endRate: maxLearningRate },
        {
          endStep: 2 * pctStart * totalSteps - 2,
          startRate: maxLearningRate,
          endRate: initialRate,
        },
        { endStep: totalSteps - 1, startRate: initialRate, endRate: minRate },
      ]
    : [
        { endStep: pctStart * totalSteps - 1, startRate: initialRate, endRate: maxLearningRate },
        { endStep: totalSteps - 1, startRate: maxLearningRate, endRate: minRate },
      ];
  let previousEnd = 0;
  for (const phase of phases) {
    if (!(phase.endStep > previousEnd)) {
      throw new InvalidArgumentError({
        argument: 'pctStart',
        value: pctStart,
        expected: `leaves an empty phase with totalSteps=${totalSteps}${threePhase ? ' and threePhase' : ''}: every phase needs at least one step`,
      });
    }
    previousEnd = phase.endStep;
  }
  const anneal =
    annealStrategy === 'cos'
      ? (start: number, end: number, fraction: number) =>
          end + ((start - end) / 2) * (Math.cos(Math.PI * fraction) + 1)
      : (start: number, end: number, fraction: number) => (end - start) * fraction + start;
  return makeSchedule({
    name: 'one-cycle',
    learningRateAt: (rawStep) => {
      const step = Math.min(rawStep, totalSteps - 1);
      let startStep = 0;
      for (let index = 0; index < phases.length; index++) {
        const phase = phases[index] as Phase;
        if (step <= phase.endStep || index === phases.length - 1) {
          const fraction = (step - startStep) / (phase.endStep - startStep);
          return anneal(phase.startRate, phase.endRate, fraction);
        }
        startStep = phase.endStep;
      }
      return minRate;
    },
    config: {
      name: 'one-cycle',
      maxLearningRate,
      totalSteps,
      pctStart,
      annealStrategy,
      divFactor,
      finalDivFactor,
      threePhase,
    },
  });
}

export const oneCycleDescriptor: ScheduleDescriptor = {
  name: 'one-cycle',
  description:
    'The 1cycle policy: warm up to a peak, then anneal far below the start (PyTorch OneCycleLR).',
  fromConfig: (config) => oneCycleSchedule(optionsOf(config) as unknown as OneCycleScheduleOptions),
};
