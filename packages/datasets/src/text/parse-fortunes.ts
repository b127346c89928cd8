/**
 * The quotes of a `fortune` data file (the `strfile` format): entries separated by lines holding
 * only `%`, surrounding whitespace trimmed, empty entries dropped.
 */
export function parseFortunes(text: string): string[] {
  const quotes: string[] = [];
  let lines: string[] = [];
  const flush = () => {
    const quote = lines.join('\n').trim();
    if (quote.length > 0) quotes.push(quote);
    lines = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '%') flush();
    else lines.push(line);
  }
  flush();
  return quotes;
}
