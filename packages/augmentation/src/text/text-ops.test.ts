import { InvalidArgumentError, type JsonObject, UnknownNameError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { composeText, randomApplyText } from './compose-text.js';
import { defaultThesaurus } from './default-thesaurus.js';
import { randomDeletion } from './random-deletion.js';
import { randomInsertion } from './random-insertion.js';
import { randomSwap } from './random-swap.js';
import { sentenceShuffle, splitSentences } from './sentence-shuffle.js';
import { synonymReplacement } from './synonym-replacement.js';
import type { TextAugmentation } from './text-augmentation.js';
import { textFromConfig, textOpNames } from './text-op-registry.js';

const texts = [
  'The quick brown fox is very happy today. It runs fast! Does the old dog help?',
  'A small house with a big garden, and a new car.',
  'Hello.',
  '',
];

const words = (text: string) => text.split(/\s+/).filter(Boolean);
const sorted = (text: string) => words(text.toLowerCase().replace(/[^\p{L}\s]/gu, '')).sort();

describe('text ops', () => {
  const ops: TextAugmentation[] = [
    synonymReplacement({ rate: 0.3 }),
    synonymReplacement({ thesaurus: { fox: ['wolf', 'vixen'], dog: ['hound', 'puppy'] } }),
    randomSwap({ rate: 0.2 }),
    randomDeletion({ probability: 0.3 }),
    randomInsertion({ rate: 0.2 }),
    sentenceShuffle(),
    composeText([randomSwap(), randomApplyText(0.5, randomDeletion())]),
  ];

  it.each(ops.map((op) => [JSON.stringify(op.toConfig()).slice(0, 80), op] as const))(
    '%s: deterministic, seed-dependent, round-trips',
    (_name, op) => {
      const first = op.apply(texts, { seed: 1 });
      expect(first).toHaveLength(texts.length);
      expect(op.apply(texts, { seed: 1 })).toEqual(first);
      const seeds = [2, 3, 4, 5, 6].map((seed) => op.apply(texts, { seed }).join('\n'));
      expect(seeds.some((output) => output !== first.join('\n'))).toBe(true);
      expect(first[3]).toBe('');
      const config = op.toConfig();
      const rebuilt = textFromConfig(JSON.parse(JSON.stringify(config)) as JsonObject);
      expect(rebuilt.toConfig()).toEqual(config);
      expect(rebuilt.apply(texts, { seed: 1 })).toEqual(first);
    },
  );

  it('synonymReplacement swaps words for thesaurus synonyms, keeping case and punctuation', () => {
    const op = synonymReplacement({
      rate: 1,
      thesaurus: { fox: ['wolf'], happy: ['glad'], the: ['a'] },
    });
    const [output] = op.apply(['The fox is happy.'], { seed: 0 });
    expect(output).toBe('A wolf is glad.');
  });

  it('the default thesaurus is symmetric and used by default', () => {
    const thesaurus = defaultThesaurus();
    expect(Object.keys(thesaurus).length).toBeGreaterThan(150);
    for (const [word, synonyms] of Object.entries(thesaurus)) {
      for (const synonym of synonyms) expect(thesaurus[synonym]).toContain(word);
    }
    const [output] = synonymReplacement({ rate: 1 }).apply(['big quick dog'], { seed: 3 });
    const [big, quick] = words(output ?? '');
    expect(thesaurus.big).toContain(big);
    expect(thesaurus.quick).toContain(quick);
  });

  it('randomSwap keeps the multiset of words', () => {
    const [output] = randomSwap({ rate: 0.5 }).apply([texts[0] ?? ''], { seed: 9 });
    expect(output).not.toBe(texts[0]);
    expect(sorted(output ?? '')).toEqual(sorted(texts[0] ?? ''));
  });

  it('randomDeletion removes words in order and never empties a text', () => {
    const [output] = randomDeletion({ probability: 0.5 }).apply([texts[0] ?? ''], { seed: 4 });
    const kept = words(output ?? '');
    const original = words(texts[0] ?? '');
    expect(kept.length).toBeLessThan(original.length);
    let cursor = 0;
    for (const word of kept) {
      cursor = original.indexOf(word, cursor) + 1;
      expect(cursor).toBeGreaterThan(0);
    }
    const all = randomDeletion({ probability: 1 }).apply(['one two three'], { seed: 1 });
    expect(words(all[0] ?? '')).toHaveLength(1);
  });

  it('randomInsertion adds synonyms of words already in the text', () => {
    const [output] = randomInsertion({ rate: 0.5, thesaurus: { fox: ['wolf'] } }).apply(
      ['the fox and the cat sat'],
      { seed: 2 },
    );
    const added = words(output ?? '');
    expect(added).toHaveLength(9);
    expect(added.filter((word) => word === 'wolf')).toHaveLength(3);
  });

  it('sentenceShuffle reorders whole sentences', () => {
    const text = texts[0] ?? '';
    const outputs = [1, 2, 3, 4, 5].map(
      (seed) => sentenceShuffle().apply([text], { seed })[0] ?? '',
    );
    for (const output of outputs) {
      expect(splitSentences(output).sort()).toEqual(splitSentences(text).sort());
    }
    expect(outputs.some((output) => output !== text)).toBe(true);
  });

  it('rejects bad options and unknown names, naming the field and value', () => {
    expect(() => randomDeletion({ probability: 2 })).toThrow(InvalidArgumentError);
    expect(() => randomDeletion({ probability: 2 })).toThrow(/randomDeletion\.probability.*=2/);
    expect(() => synonymReplacement({ thesaurus: { fox: 'wolf' } as never })).toThrow(
      /synonymReplacement\.thesaurus/,
    );
    expect(() => randomSwap({ rate: -1 })).toThrow(/randomSwap\.rate/);
    expect(() => textFromConfig({ name: 'randomSwapp', options: {} })).toThrow(UnknownNameError);
    expect(() => textFromConfig({ name: 'randomSwapp', options: {} })).toThrow(
      /Did you mean "randomSwap"/,
    );
    expect(() => randomSwap().apply(['a b'], { seed: Number.NaN })).toThrow(/seed/);
    expect(textOpNames()).toEqual(
      expect.arrayContaining([
        'synonymReplacement',
        'randomSwap',
        'randomDeletion',
        'randomInsertion',
        'sentenceShuffle',
      ]),
    );
  });
});
