import { beforeAll, describe, expect, it } from 'vitest';
import { synonymReplacement } from '../text/synonym-replacement.js';
import { textFromConfig } from '../text/text-op-registry.js';
import { registerThesaurus } from '../text/thesaurus.js';
import { loadWordNetThesaurus } from './wordnet-thesaurus.js';

// Read once (~2 s): both tests use the same table.
let wordnet: Map<string, string[]>;
beforeAll(async () => {
  wordnet = await loadWordNetThesaurus();
});

describe('WordNet thesaurus', () => {
  it("gives WordNet's synonyms, symmetric, single words only", () => {
    expect(wordnet.size).toBeGreaterThan(40_000);
    expect(wordnet.get('car')).toEqual(expect.arrayContaining(['auto', 'automobile', 'machine']));
    expect(wordnet.get('happy')).toContain('felicitous');
    for (const synonym of wordnet.get('quick') ?? [])
      expect(wordnet.get(synonym)).toContain('quick');
    expect([...wordnet.values()].flat().some((word) => word.includes('_'))).toBe(false);
  });

  it('is a named thesaurus for synonymReplacement, stored by name in configs', async () => {
    expect(() => synonymReplacement({ thesaurus: 'wordnet-missing' })).toThrow(
      /registered thesaurus/,
    );
    registerThesaurus('wordnet', wordnet);
    const op = synonymReplacement({ rate: 1, thesaurus: 'wordnet' });
    const [output] = op.apply(['The car is quick.'], { seed: 1 });
    expect(output).not.toBe('The car is quick.');
    expect(op.toConfig().options.thesaurus).toBe('wordnet');
    expect(textFromConfig(op.toConfig()).apply(['The car is quick.'], { seed: 1 })).toEqual([
      output,
    ]);
  });
});
