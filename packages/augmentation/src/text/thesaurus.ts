import { InvalidArgumentError, type JsonValue } from '@graft/core';
import { defaultThesaurus } from './default-thesaurus.js';

/** A thesaurus: lower-case word → synonyms, or `default` for the small shipped English one. */
export type ThesaurusOption = 'default' | Record<string, string[]>;

/** Validates a thesaurus option; returns the stored form and the lookup table. */
export function resolveThesaurus(
  argument: string,
  value: unknown,
): { stored: JsonValue; table: Map<string, string[]> } {
  if (value === undefined || value === 'default') {
    return { stored: 'default', table: new Map(Object.entries(defaultThesaurus())) };
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
