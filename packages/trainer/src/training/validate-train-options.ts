import { InvalidArgumentError } from '@graft/core';
import type { TrainOptions } from './train-options.js';

/** Rejects bad {@link TrainOptions} before anything is frozen, loaded or featurised. */
export function validateTrainOptions(options: TrainOptions): void {
  if (
    options.batchNorm !== undefined &&
    options.batchNorm !== 'frozen' &&
    options.batchNorm !== 'train'
  ) {
    throw new InvalidArgumentError({
      argument: 'batchNorm',
      value: options.batchNorm,
      expected: 'must be one of: frozen, train',
    });
  }
  if (options.mode !== 'feature-extraction' && options.mode !== 'fine-tune') {
    throw new InvalidArgumentError({
      argument: 'mode',
      value: options.mode,
      expected: 'must be one of: feature-extraction, fine-tune',
    });
  }
  const positiveIntegers: Array<[string, number | undefined]> = [
    ['epochs', options.epochs],
    ['batchSize', options.batchSize],
    ['microBatchSize', options.microBatchSize],
    ['augmentedPasses', options.augmentedPasses],
    ['extractionBatchSize', options.extractionBatchSize],
    ['augmentedViews', options.augmentedViews],
  ];
  for (const [argument, value] of positiveIntegers) {
    if (value === undefined && argument !== 'epochs') continue;
    if (!(Number.isInteger(value) && (value as number) > 0)) {
      throw new InvalidArgumentError({ argument, value, expected: 'must be an integer > 0' });
    }
  }
  if (
    options.gradientClipNorm !== undefined &&
    !(Number.isFinite(options.gradientClipNorm) && options.gradientClipNorm > 0)
  ) {
    throw new InvalidArgumentError({
      argument: 'gradientClipNorm',
      value: options.gradientClipNorm,
      expected: 'must be a finite number > 0',
    });
  }
  if (options.validationData) {
    const train = options.trainData.classNames.join('\n');
    if (options.validationData.classNames.join('\n') !== train) {
      throw new InvalidArgumentError({
        argument: 'validationData.classNames',
        value: options.validationData.classNames,
        expected: `must equal trainData.classNames (${options.trainData.classNames.join(', ')})`,
      });
    }
  }
}
