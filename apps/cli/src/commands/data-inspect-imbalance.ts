import type { ImageFolderInspection } from '@graft/datasets/node';

/** Largest/smallest class ratio above which `graft data inspect` warns. */
export const imbalanceWarningRatio = 5;

/**
 * A warning when the largest class has more than 5× the images of the smallest (in the train
 * split when there is one, the images training sees), naming the training options that help.
 */
export function imbalanceWarning(
  inspection: Pick<ImageFolderInspection, 'classNames' | 'counts'>,
): string | undefined {
  const group = inspection.counts.train !== undefined ? 'train' : 'all';
  const counts = inspection.classNames.map((name) => ({
    name,
    count: inspection.counts[group]?.[name] ?? 0,
  }));
  if (counts.length < 2) return undefined;
  const largest = counts.reduce((best, entry) => (entry.count > best.count ? entry : best));
  const smallest = counts.reduce((best, entry) => (entry.count < best.count ? entry : best));
  if (largest.count <= imbalanceWarningRatio * smallest.count) return undefined;
  const ratio =
    smallest.count > 0 ? `${(largest.count / smallest.count).toFixed(1)}×` : 'infinitely';
  return `${group === 'train' ? 'train split: ' : ''}${largest.name} (${largest.count}) has ${ratio} the images of ${smallest.name} (${smallest.count}); train with --class-weight balanced and --monitor val_balanced_accuracy (or val_macro_f1)`;
}
