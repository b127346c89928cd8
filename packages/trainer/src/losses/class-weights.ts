import { InvalidArgumentError } from '@graft/core';

/**
 * Per-class loss weights: `balanced` (Keras and scikit-learn: `n_samples / (n_classes ·
 * count_c)`, so every class contributes as if the classes were equally frequent) or a weight
 * per class name (classes left out weigh 1).
 */
export type ClassWeightSetting = 'balanced' | Readonly<Record<string, number>>;

/** Options of {@link resolveClassWeights}. */
export interface ResolveClassWeightsOptions {
  /** The setting, from `train({ classWeight })`. */
  setting: ClassWeightSetting;
  /** Class names in label order. */
  classNames: readonly string[];
  /** Training labels (class indices), for `balanced`. */
  labels: readonly number[];
}

/**
 * One weight per class, in class order. `balanced` gives a class with no training example
 * weight 0 (it never appears as a target, so its weight never matters except in smoothing).
 */
export function resolveClassWeights(options: ResolveClassWeightsOptions): number[] {
  const { setting, classNames, labels } = options;
  if (setting === 'balanced') {
    const counts = classNames.map(() => 0);
    for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
    return counts.map((count) => (count > 0 ? labels.length / (classNames.length * count) : 0));
  }
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) {
    throw new InvalidArgumentError({
      argument: 'classWeight',
      value: setting,
      expected: `must be 'balanced' or an object of weights by class name (classes: ${classNames.join(', ')})`,
    });
  }
  for (const [name, weight] of Object.entries(setting)) {
    if (!classNames.includes(name)) {
      throw new InvalidArgumentError({
        argument: 'classWeight',
        value: name,
        expected: `must name training classes (classes: ${classNames.join(', ')})`,
      });
    }
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
      throw new InvalidArgumentError({
        argument: `classWeight.${name}`,
        value: weight,
        expected: 'must be a finite number ≥ 0',
      });
    }
  }
  return classNames.map((name) => setting[name] ?? 1);
}
