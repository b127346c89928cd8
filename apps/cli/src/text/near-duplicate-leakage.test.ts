import { textExamplesFrom } from '@graft/datasets';
import { describe, expect, it } from 'vitest';
import { findTextLeakage } from './near-duplicate-leakage.js';

// Two-dimensional "embeddings" chosen by hand: a and a' are near copies (cosine 0.995), b is
// far from both, c copies b exactly in direction.
const vectors: Record<string, [number, number]> = {
  'the cat sat': [1, 0],
  'the cat sat down': [0.995, 0.0998],
  'stock prices fell': [0, 1],
  'prices of stock fell': [0, 2],
};

describe('findTextLeakage', () => {
  it('names near copies in different splits, not those within one split', async () => {
    const examples = textExamplesFrom(
      Object.keys(vectors).map((text, row) => ({
        text,
        className: row < 2 ? 'pets' : 'money',
        source: `row${row}`,
      })),
    );
    const embed = async (texts: readonly string[]) =>
      Float32Array.from(texts.flatMap((text) => vectors[text] ?? [0, 0]));
    const leakage = await findTextLeakage({
      examples,
      // The cat pair straddles train and test; the stock pair is all in train.
      indices: { train: [0, 2, 3], val: [], test: [1] },
      embed,
      featureDim: 2,
    });
    expect(leakage.cosineThreshold).toBe(0.95);
    expect(leakage.pairs).toHaveLength(1);
    expect(leakage.pairs[0]).toMatchObject({
      first: 'row0',
      second: 'row1',
      splits: ['train', 'test'],
    });
    expect(leakage.pairs[0]?.cosineSimilarity).toBeCloseTo(0.995, 3);
  });
});
