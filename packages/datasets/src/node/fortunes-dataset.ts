import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFortunes } from '../text/parse-fortunes.js';
import { type TextExamples, textExamplesFrom } from '../text/text-examples.js';

/** Where Debian's `fortunes` package installs its topic files. */
export const fortunesDirectory = '/usr/share/games/fortunes';

/** Options of {@link readFortunesDataset}. */
export interface ReadFortunesDatasetOptions {
  /** Topic files to read; each is one class. Default `computers, food, politics, science`. */
  topics?: readonly string[];
  /** Folder of the topic files. Default {@link fortunesDirectory}. */
  directory?: string;
  /** At most this many quotes per topic, the first ones in the file (small test sets). */
  limitPerTopic?: number;
}

/**
 * A real labelled text set no one here wrote: the quotes of Debian's `fortunes` topic files
 * (`apt-get install fortunes`), one class per topic. Throws naming the package when missing.
 */
export async function readFortunesDataset(
  options: ReadFortunesDatasetOptions = {},
): Promise<TextExamples> {
  const topics = options.topics ?? ['computers', 'food', 'politics', 'science'];
  const directory = options.directory ?? fortunesDirectory;
  const rows: { text: string; className: string; source: string }[] = [];
  for (const topic of topics) {
    let text: string;
    try {
      // Debian's files are UTF-8 (the `.u8` names are links to them).
      text = await readFile(join(directory, topic), 'utf8');
    } catch (error) {
      throw new Error(
        `fortunes topic "${topic}" not found in ${directory}: install Debian's package with apt-get install fortunes`,
        { cause: error },
      );
    }
    const quotes = parseFortunes(text).slice(0, options.limitPerTopic ?? Number.POSITIVE_INFINITY);
    for (const [index, quote] of quotes.entries()) {
      rows.push({ text: quote, className: topic, source: `${topic}#${index + 1}` });
    }
  }
  return textExamplesFrom(rows);
}
