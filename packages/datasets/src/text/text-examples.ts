/** A labelled text dataset held in memory: one string and one class index per example. */
export interface TextExamples {
  /** Class names in sorted order; label `i` means `classNames[i]`. */
  readonly classNames: readonly string[];
  /** The examples' text. */
  readonly texts: readonly string[];
  /** Class index of each example. */
  readonly labels: readonly number[];
  /** Where each example came from (`file`, `file:line` or `file#row`), for reports. */
  readonly sources: readonly string[];
}

/** Builds {@link TextExamples} from `[text, className, source]` triples; classes are sorted. */
export function textExamplesFrom(
  rows: readonly { text: string; className: string; source: string }[],
  classNames?: readonly string[],
): TextExamples {
  const names = classNames ?? [...new Set(rows.map((row) => row.className))].sort();
  const indexOf = new Map(names.map((name, index) => [name, index]));
  const labels = rows.map((row) => {
    const label = indexOf.get(row.className);
    if (label === undefined) {
      throw new TypeError(
        `label: ${JSON.stringify(row.className)} of ${row.source} is not one of the classes ${JSON.stringify(names)}`,
      );
    }
    return label;
  });
  return {
    classNames: names,
    texts: rows.map((row) => row.text),
    labels,
    sources: rows.map((row) => row.source),
  };
}

/** The examples at `indices`, in that order (a split of a dataset). */
export function selectTextExamples(
  examples: TextExamples,
  indices: readonly number[],
): TextExamples {
  return {
    classNames: examples.classNames,
    texts: indices.map((index) => examples.texts[index] as string),
    labels: indices.map((index) => examples.labels[index] as number),
    sources: indices.map((index) => examples.sources[index] as string),
  };
}
