import { InvalidArgumentError, type JsonValue } from '@graft/core';
import { defaultThesaurus } from './default-thesaurus.js';

/**
 * A thesaurus: lower-case word → synonyms, `default` for the small shipped English one, or the
 * name of a registered one (`wordnet` after `registerWordNetThesaurus()` from
 * `@graft/augmentation/node`). Configs store a registered thesaurus by name, not its table.
 */
export type ThesaurusOption = 'default' | 'wordnet' | (string & {}) | Record<string, string[]>;

// Named thesauri, shared by every copy of the package (registered once, e.g. WordNet's 45k words).
const namedKey = Symbol.for('graft.thesauri');
const holder = globalThis as Record<symbol, Map<string, Map<string, string[]>> | undefined>;
holder[namedKey] ??= new Map();
const named = holder[namedKey];

/** Makes `thesaurus: name` resolve to `table` (lower-case word → synonyms). */
export function registerThesaurus(name: string, table: ReadonlyMap<string, string[]>): void {
  if (typeof name !== 'string' || name.length === 0 || name === 'default') {
    throw new InvalidArgumentError({
      argument: 'registerThesaurus.name',
      value: name,
      expected: "must be a non-empty name other than 'default'",
    });
  }
  named.set(name, new Map(table));
}

/** Names of the registered thesauri (besides `default`). */
export function thesaurusNames(): string[] {
  return [...named.keys()].sort();
}

/** Validates a thesaurus option; returns the stored form and the lookup table. */
export function resolveThesaurus(
  argument: string,
  value: unknown,
): { stored: JsonValue; table: Map<string, string[]> } {
  if (value === undefined || value === 'default') {
    return { stored: 'default', table: new Map(Object.entries(defaultThesaurus())) };
  }
  if (typeof value === 'string') {
    const table = named.get(value);
    if (table === undefined) {
      throw new InvalidArgumentError({
        argument,
        value,
        expected: `must be 'default', a registered thesaurus (${thesaurusNames().join(', ') || "none registered; 'wordnet' needs registerWordNetThesaurus() from @graft/augmentation/node"}) or an object mapping words to synonyms`,
      });
    }
    return { stored: value, table };
  }
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !Object.values(value).every(
      (synonyms) => Array.isArray(synonyms) && synonyms.every((item) => typeof item === 'string'),
    )
  ) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: "must be 'default' or an object mapping each word to a list of synonyms",
    });
  }
  const entries = Object.entries(value as Record<string, string[]>);
  return {
    stored: Object.fromEntries(entries.map(([word, synonyms]) => [word, [...synonyms]])),
    table: new Map(entries.map(([word, synonyms]) => [word.toLowerCase(), synonyms])),
  };
}
