import { InvalidArgumentError, SeededRandom } from '@graft/core';
import { allocateCounts, normalizeFractions, type SplitFractions } from './split-fractions.js';
import type { SplitIndices } from './stratified-split.js';

/** Options of {@link multiLabelSplit}. */
export interface MultiLabelSplitOptions<F extends SplitFractions> {
  /** Every item's label indices, in dataset order (`FileImageDataset.labelSets()`). */
  labelSets: readonly (readonly number[])[];
  /** Number of labels (indices are in `[0, numLabels)`). */
  numLabels: number;
  /** Fractions per split, summing to 1: `[0.8, 0.2]` or `{ train: 0.8, val: 0.2 }`. */
  fractions: F;
  /** Seed; the same seed gives the same split. Default 0. */
  seed?: number;
}

/** Result of {@link multiLabelSplit}. */
export interface MultiLabelSplitResult<F extends SplitFractions> {
  /** Item indices of each split, ascending (dataset order). */
  splits: SplitIndices<F>;
  /**
   * Per split (by name or position), the labels it has no item of. Only labels with fewer items
   * than there are splits can be missing.
   */
  labelsMissingFromSplits: Record<string, number[]>;
}

/**
 * Splits multi-label items by iterative stratification (Sechidis, Tsoumakas & Vlahavas 2011):
 * the label with the fewest unassigned items is handled first, and each of its items goes to the
 * split that still wants that label most (then the one wanting most items, then a seeded random
 * choice), so rare labels spread over every split before common ones fill the remaining room.
 * Split sizes are `count × fraction` rounded by largest remainder. Afterwards, a split missing a
 * label that has at least as many items as there are splits takes one item carrying it from the
 * split holding most of that label, so every such label is in every split. Deterministic for a
 * seed.
 */
export function multiLabelSplit<F extends SplitFractions>(
  options: MultiLabelSplitOptions<F>,
): MultiLabelSplitResult<F> {
  const { names, values } = normalizeFractions(options.fractions);
  const { labelSets, numLabels } = options;
  for (const [index, labels] of labelSets.entries()) {
    for (const label of labels) {
      if (!(Number.isInteger(label) && label >= 0 && label < numLabels)) {
        throw new InvalidArgumentError({
          argument: `labelSets[${index}]`,
          value: labels,
          expected: `must hold integers in [0, ${numLabels - 1}]`,
        });
      }
    }
  }
  const random = new SeededRandom(options.seed ?? 0);
  const splitCount = values.length;
  const wantedItems = allocateCounts(labelSets.length, values);
  const labelTotals = new Array<number>(numLabels).fill(0);
  for (const labels of labelSets) {
    for (const label of labels) labelTotals[label] = (labelTotals[label] as number) + 1;
  }
  const wantedLabels = values.map((fraction) =>
    labelTotals.map((total) => (total as number) * fraction),
  );
  const assignment = new Array<number>(labelSets.length).fill(-1);
  const remainingOfLabel = [...labelTotals];

  const assign = (item: number, split: number) => {
    assignment[item] = split;
    wantedItems[split] = (wantedItems[split] as number) - 1;
    for (const label of labelSets[item] as readonly number[]) {
      const row = wantedLabels[split] as number[];
      row[label] = (row[label] as number) - 1;
      remainingOfLabel[label] = (remainingOfLabel[label] as number) - 1;
    }
  };
  const bestSplit = (label: number | undefined): number => {
    let best: number[] = [];
    let bestKey: [number, number] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (let split = 0; split < splitCount; split++) {
      const key: [number, number] = [
        label === undefined ? 0 : ((wantedLabels[split] as number[])[label] as number),
        wantedItems[split] as number,
      ];
      const order = key[0] - bestKey[0] || key[1] - bestKey[1];
      if (order > 0) {
        best = [split];
        bestKey = key;
      } else if (order === 0) {
        best.push(split);
      }
    }
    return best.length === 1
      ? (best[0] as number)
      : (best[random.int(0, best.length - 1)] as number);
  };

  const order = random.permutation(labelSets.length);
  for (;;) {
    // The label with the fewest unassigned items (ties: lowest index; the item order is seeded).
    let label = -1;
    for (let candidate = 0; candidate < numLabels; candidate++) {
      const left = remainingOfLabel[candidate] as number;
      if (left > 0 && (label < 0 || left < (remainingOfLabel[label] as number))) label = candidate;
    }
    if (label < 0) break;
    for (const item of order) {
      if (assignment[item] === -1 && (labelSets[item] as readonly number[]).includes(label)) {
        assign(item, bestSplit(label));
      }
    }
  }
  // Items without any label fill the splits by size.
  for (const item of order) if (assignment[item] === -1) assign(item, bestSplit(undefined));

  repairMissingLabels({ labelSets, numLabels, splitCount, assignment, labelTotals });

  const splits: number[][] = values.map(() => []);
  assignment.forEach((split, item) => {
    (splits[split] as number[]).push(item);
  });
  const missing: Record<string, number[]> = {};
  splits.forEach((indices, split) => {
    const present = new Set(indices.flatMap((item) => labelSets[item] as readonly number[]));
    const absent = labelTotals.flatMap((total, label) =>
      total > 0 && !present.has(label) ? [label] : [],
    );
    if (absent.length > 0) missing[names?.[split] ?? String(split)] = absent;
  });
  return {
    splits: (names
      ? Object.fromEntries(names.map((name, index) => [name, splits[index]]))
      : splits) as SplitIndices<F>,
    labelsMissingFromSplits: missing,
  };
}

/**
 * Moves single items so every label with at least `splitCount` items is in every split: the
 * donor is the split with most items of that label, and the item moved is the one carrying
 * fewest labels whose move takes no label out of the donor.
 */
function repairMissingLabels(state: {
  labelSets: readonly (readonly number[])[];
  numLabels: number;
  splitCount: number;
  assignment: number[];
  labelTotals: readonly number[];
}): void {
  const { labelSets, numLabels, splitCount, assignment, labelTotals } = state;
  // counts[split][label]: items of the label in the split, kept up to date as items move.
  const counts = Array.from({ length: splitCount }, () => new Array<number>(numLabels).fill(0));
  assignment.forEach((split, item) => {
    for (const label of labelSets[item] as readonly number[]) {
      (counts[split] as number[])[label] = ((counts[split] as number[])[label] as number) + 1;
    }
  });
  const countIn = (split: number, label: number) => (counts[split] as number[])[label] as number;
  for (let label = 0; label < numLabels; label++) {
    if ((labelTotals[label] as number) < splitCount) continue;
    for (let split = 0; split < splitCount; split++) {
      if (countIn(split, label) > 0) continue;
      let donor = -1;
      for (let other = 0; other < splitCount; other++) {
        if (
          countIn(other, label) > 1 &&
          (donor < 0 || countIn(other, label) > countIn(donor, label))
        ) {
          donor = other;
        }
      }
      if (donor < 0) continue;
      let chosen = -1;
      for (const [item, labels] of labelSets.entries()) {
        if (assignment[item] !== donor || !labels.includes(label)) continue;
        if (!labels.every((other) => countIn(donor, other) > 1)) continue;
        if (chosen < 0 || labels.length < (labelSets[chosen] as readonly number[]).length) {
          chosen = item;
        }
      }
      if (chosen < 0) continue;
      assignment[chosen] = split;
      for (const moved of labelSets[chosen] as readonly number[]) {
        (counts[donor] as number[])[moved] = countIn(donor, moved) - 1;
        (counts[split] as number[])[moved] = countIn(split, moved) + 1;
      }
    }
  }
}
