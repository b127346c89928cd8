import type { EvaluationSection } from './api.js';

/**
 * The report's balanced accuracy, or, for reports written before it was recorded, the mean
 * recall over the classes with examples computed from the per-class table (the same definition).
 */
export function balancedAccuracy(section: EvaluationSection): number {
  if (section.balancedAccuracy !== undefined) return section.balancedAccuracy;
  const present = section.perClass.filter((entry) => entry.support > 0);
  if (present.length === 0) return Number.NaN;
  return present.reduce((sum, entry) => sum + entry.recall, 0) / present.length;
}
