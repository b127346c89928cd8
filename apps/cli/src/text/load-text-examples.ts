import {
  findTextDuplicates,
  selectTextExamples,
  type TextExamples,
  withoutTextDuplicates,
} from '@graft/datasets';
import { openTextData } from '@graft/datasets/node';
import type { CommandOutput } from '../output.js';

/** Text data with duplicates left out, and how many were. */
export interface LoadedTextExamples {
  /** The examples, first of each duplicate group kept. */
  examples: TextExamples;
  /** Examples left out as duplicates of an earlier one. */
  duplicatesLeftOut: number;
}

/**
 * Reads text data for training and drops duplicate texts (so none is in two splits or folds),
 * telling the user what was left out, cut or skipped.
 */
export async function loadTextExamples(options: {
  /** Folder of class folders of `.txt`, CSV or JSONL. */
  data: string;
  /** Each non-empty line of a `.txt` file is one example. */
  linePerExample?: boolean;
  output: CommandOutput;
}): Promise<LoadedTextExamples> {
  const { output } = options;
  const { examples: all, report } = await openTextData({
    path: options.data,
    ...(options.linePerExample ? { linePerExample: true } : {}),
  });
  for (const [what, list] of [
    ['empty, left out', report.empty],
    ['cut to 10 000 characters', report.truncated],
    ['not .txt, skipped', report.skipped],
  ] as const) {
    if (list.length > 0)
      output.info(
        `graft: ${list.length} ${what}: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`,
      );
  }
  const duplicates = findTextDuplicates(all);
  const examples = selectTextExamples(all, withoutTextDuplicates(all));
  if (duplicates.length > 0) {
    const conflicting = duplicates.filter((group) => group.conflictingLabels).length;
    output.info(
      `graft: ${all.texts.length - examples.texts.length} duplicate texts left out (kept the first of ${duplicates.length} groups; ${conflicting} with different labels), so no text is in two splits`,
    );
  }
  return { examples, duplicatesLeftOut: all.texts.length - examples.texts.length };
}
