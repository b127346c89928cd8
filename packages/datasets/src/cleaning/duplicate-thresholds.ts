import { InvalidArgumentError } from '@graft/core';

/** Default largest Hamming distance (of 64 bits) between perceptual hashes of near duplicates. */
export const defaultHammingThreshold = 10;

/** Default smallest cosine similarity between feature vectors of near duplicates. */
export const defaultCosineThreshold = 0.9;

/** Largest accepted Hamming threshold: unrelated images differ in about 32 of the 64 bits. */
export const maximumHammingThreshold = 24;

/** Checks a Hamming threshold (default when undefined). */
export function checkHammingThreshold(
  value: number | undefined,
  argument = 'hammingThreshold',
): number {
  if (value === undefined) return defaultHammingThreshold;
  if (!Number.isInteger(value) || value < 0 || value > maximumHammingThreshold) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: `must be a whole number of bits in [0, ${maximumHammingThreshold}] (unrelated images differ in about 32 of 64)`,
    });
  }
  return value;
}

/** Checks a cosine threshold (default when undefined). */
export function checkCosineThreshold(
  value: number | undefined,
  argument = 'cosineThreshold',
): number {
  if (value === undefined) return defaultCosineThreshold;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: 'must be a cosine similarity in (0, 1]',
    });
  }
  return value;
}
