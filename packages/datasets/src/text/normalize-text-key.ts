/**
 * The key two texts share when they are the same example up to case, Unicode form, punctuation
 * and spacing: NFKC, lower case, letters and digits only, single spaces. Used by the duplicate
 * and leakage check, so a quote reformatted in two files counts once.
 */
export function normalizeTextKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
