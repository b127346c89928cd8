/** A whitespace-separated token split into leading punctuation, word and trailing punctuation. */
export interface Token {
  prefix: string;
  word: string;
  suffix: string;
}

/** Splits on whitespace, keeping punctuation around each word so it can be put back. */
export function tokenize(text: string): Token[] {
  return text
    .split(/\s+/)
    .filter((part) => part.length > 0)
    .map((part) => {
      const match = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u.exec(part);
      return { prefix: match?.[1] ?? '', word: match?.[2] ?? part, suffix: match?.[3] ?? '' };
    });
}

/** Joins tokens back with single spaces. */
export function detokenize(tokens: readonly Token[]): string {
  return tokens.map((token) => token.prefix + token.word + token.suffix).join(' ');
}

/** `replacement` with the capitalisation of `original` (lower, Capitalised, or UPPER). */
export function matchCase(original: string, replacement: string): string {
  if (original.length > 1 && original === original.toUpperCase()) return replacement.toUpperCase();
  const first = original.charAt(0);
  if (first !== first.toLowerCase())
    return replacement.charAt(0).toUpperCase() + replacement.slice(1);
  return replacement;
}

/** How many words an op touches: `max(1, round(rate * count))`, 0 for an empty text. */
export function wordsToChange(rate: number, count: number): number {
  if (count === 0 || rate === 0) return 0;
  return Math.max(1, Math.round(rate * count));
}
