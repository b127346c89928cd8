import type { Command } from 'commander';

/** Adds `--labels`, `--label-delimiter` and `--threshold` (train: multi-label data and metadata). */
export function addMultiLabelFlags(command: Command): Command {
  return command
    .option(
      '--labels <csv>',
      'multi-label: a CSV with an image column (image/filename/file/path) and a labels column (labels/label/tags), image paths relative to <data>; <data> may also be the CSV itself',
    )
    .option(
      '--label-delimiter <text>',
      "multi-label CSV: what separates the labels in one cell (default ' ')",
    )
    .option(
      '--threshold <p>',
      'multi-label: a label applies when its probability is >= p, in (0, 1); recorded in the model (default 0.5)',
    );
}
