import { normalizeTextKey } from './normalize-text-key.js';
import type { TextExamples } from './text-examples.js';

/** Examples whose normalised text is the same (see `normalizeTextKey`). */
export interface TextDuplicateGroup {
  /** Example indices, ascending. */
  indices: number[];
  /** Whether the group mixes classes (the same text labelled twice differently). */
  conflictingLabels: boolean;
}

/** Groups of two or more examples with the same normalised text, in order of first appearance. */
export function findTextDuplicates(examples: TextExamples): TextDuplicateGroup[] {
  const byKey = new Map<string, number[]>();
  examples.texts.forEach((text, index) => {
    const key = normalizeTextKey(text);
    const group = byKey.get(key);
    if (group === undefined) byKey.set(key, [index]);
    else group.push(index);
  });
  return [...byKey.values()]
    .filter((indices) => indices.length > 1)
    .map((indices) => ({
      indices,
      conflictingLabels: new Set(indices.map((index) => examples.labels[index])).size > 1,
    }));
}

/**
 * Keeps the first example of each duplicate group, so no text can be in two splits (leakage);
 * returns the kept indices, ascending.
 */
export function withoutTextDuplicates(examples: TextExamples): number[] {
  const seen = new Set<string>();
  const kept: number[] = [];
  examples.texts.forEach((text, index) => {
    const key = normalizeTextKey(text);
    if (seen.has(key)) return;
    seen.add(key);
    kept.push(index);
  });
  return kept;
}
