import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '@graft/core';
import { CsvError, parse } from 'csv-parse/sync';
import { compareCodeUnits, imageExtensionProblem } from '../image-extensions.js';
import type { ImageFile } from './scan-image-folder.js';

/** Header names tried, in order, when {@link ReadMultiLabelCsvOptions.imageColumn} is left out. */
export const defaultImageColumns = ['image', 'filename', 'file', 'path', 'fname'] as const;
/** Header names tried, in order, when {@link ReadMultiLabelCsvOptions.labelColumn} is left out. */
export const defaultLabelColumns = ['labels', 'label', 'tags', 'classes'] as const;

/** Options of {@link readMultiLabelCsv}. */
export interface ReadMultiLabelCsvOptions {
  /** The CSV file: a header row, then one row per image. */
  csv: string;
  /** Folder the image paths are relative to. Default: the CSV's folder. */
  imagesRoot?: string;
  /** Header of the image path column. Default: the first of {@link defaultImageColumns} present. */
  imageColumn?: string;
  /** Header of the labels column. Default: the first of {@link defaultLabelColumns} present. */
  labelColumn?: string;
  /** Separates the labels inside one cell (fastai's `label_delim`). Default `' '`. */
  labelDelimiter?: string;
  /** Field separator of the CSV. Default `,`. */
  fieldDelimiter?: string;
  /**
   * The label vocabulary (e.g. a trained model's labels): a label outside it is an error.
   * Default: every label the CSV uses, sorted by code unit.
   */
  classNames?: readonly string[];
}

/** What {@link readMultiLabelCsv} found. */
export interface MultiLabelCsv {
  /** Absolute path of the CSV. */
  csv: string;
  /** Absolute folder the image paths were resolved against. */
  imagesRoot: string;
  /** The label names; `labelSet` indices point into them. */
  classNames: string[];
  /** One entry per row, in file order, each with its `labelSet` (ascending, no repeats). */
  files: ImageFile[];
  /** The columns read. */
  columns: { image: string; labels: string };
}

/**
 * Reads a multi-label CSV (fastai's `ImageDataLoaders.from_csv(label_delim=…)` layout): a
 * header, an image path column and a labels column whose cell holds the labels joined by
 * `labelDelimiter`. Quoting follows RFC 4180 (csv-parse). Every problem is a
 * {@link FileFormatError} naming the CSV, the line and the value: an unknown column, a row
 * without an image path or without labels, an image that does not exist or is not an image,
 * the same image twice, or a label outside `classNames`.
 */
export async function readMultiLabelCsv(options: ReadMultiLabelCsvOptions): Promise<MultiLabelCsv> {
  const csv = resolve(options.csv);
  const imagesRoot = resolve(options.imagesRoot ?? dirname(csv));
  const labelDelimiter = options.labelDelimiter ?? ' ';
  if (labelDelimiter.length === 0) {
    throw new InvalidArgumentError({
      argument: 'labelDelimiter',
      value: labelDelimiter,
      expected: "must be a non-empty string, e.g. ' ' or ';'",
    });
  }
  const text = await readFile(csv, 'utf8');
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, {
      columns: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      delimiter: options.fieldDelimiter ?? ',',
    });
  } catch (error) {
    const line =
      error instanceof CsvError ? (error as CsvError & { lines?: number }).lines : undefined;
    throw new FileFormatError({
      file: csv,
      problem: `${line === undefined ? '' : `line ${line}: `}${(error as Error).message}`,
      cause: error,
    });
  }
  const headers = headerOf(text, options.fieldDelimiter ?? ',');
  const imageColumn = pickColumn(csv, headers, options.imageColumn, defaultImageColumns, 'image');
  const labelColumn = pickColumn(csv, headers, options.labelColumn, defaultLabelColumns, 'labels');

  const parsed: { path: string; labels: string[]; line: number }[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of rows) {
    const line = info.lines;
    const where = `line ${line}`;
    const image = record[imageColumn] ?? '';
    if (image === '') {
      throw new FileFormatError({ file: csv, problem: `${where}: empty ${imageColumn} cell` });
    }
    const labels = [
      ...new Set(
        (record[labelColumn] ?? '')
          .split(labelDelimiter)
          .map((label) => label.trim())
          .filter((label) => label !== ''),
      ),
    ];
    if (labels.length === 0) {
      throw new FileFormatError({
        file: csv,
        problem: `${where}: image ${JSON.stringify(image)} has an empty ${labelColumn} cell (every image needs at least one label, separated by ${JSON.stringify(labelDelimiter)})`,
      });
    }
    const path = isAbsolute(image) ? image : resolve(imagesRoot, image);
    const extensionProblem = imageExtensionProblem(path);
    if (extensionProblem !== undefined) {
      throw new FileFormatError({
        file: csv,
        problem: `${where}: ${JSON.stringify(image)} is not read as an image (${extensionProblem})`,
      });
    }
    const earlier = seen.get(path);
    if (earlier !== undefined) {
      throw new FileFormatError({
        file: csv,
        problem: `${where}: image ${JSON.stringify(image)} is listed again (first on line ${earlier}); give all its labels in one row`,
      });
    }
    seen.set(path, line);
    parsed.push({ path, labels, line });
  }
  if (parsed.length === 0) {
    throw new FileFormatError({ file: csv, problem: 'has a header but no image rows' });
  }
  await Promise.all(
    parsed.map(async ({ path, line }) => {
      const found = await stat(path).then(
        (entry) => entry.isFile(),
        () => false,
      );
      if (!found) {
        throw new FileFormatError({
          file: csv,
          problem: `line ${line}: image ${JSON.stringify(path)} does not exist (paths are relative to ${imagesRoot})`,
        });
      }
    }),
  );

  const classNames = options.classNames
    ? [...options.classNames]
    : [...new Set(parsed.flatMap((row) => row.labels))].sort(compareCodeUnits);
  const indexOf = new Map(classNames.map((name, index) => [name, index]));
  const files = parsed.map(({ path, labels, line }): ImageFile => {
    const labelSet = labels
      .map((label) => {
        const index = indexOf.get(label);
        if (index === undefined) {
          throw new FileFormatError({
            file: csv,
            problem: `line ${line}: unknown label ${JSON.stringify(label)}; the labels are ${classNames.join(', ')}`,
          });
        }
        return index;
      })
      .sort((a, b) => a - b);
    return { path, label: labelSet[0] as number, labelSet };
  });
  return {
    csv,
    imagesRoot,
    classNames,
    files,
    columns: { image: imageColumn, labels: labelColumn },
  };
}

/** The header row's cells (csv-parse's `columns: true` gives no record for a header-only file). */
function headerOf(text: string, delimiter: string): string[] {
  const [header] = parse(text, { to_line: 1, trim: true, bom: true, delimiter }) as string[][];
  return header ?? [];
}

function pickColumn(
  csv: string,
  headers: readonly string[],
  requested: string | undefined,
  defaults: readonly string[],
  what: string,
): string {
  if (requested !== undefined) {
    if (headers.includes(requested)) return requested;
    throw new FileFormatError({
      file: csv,
      problem: `line 1: no column ${JSON.stringify(requested)} (the ${what} column); the header has ${headers.map((name) => JSON.stringify(name)).join(', ')}`,
    });
  }
  const found = defaults.find((name) => headers.includes(name));
  if (found !== undefined) return found;
  throw new FileFormatError({
    file: csv,
    problem: `line 1: no ${what} column; the header has ${headers.map((name) => JSON.stringify(name)).join(', ')}, expected one of ${defaults.join(', ')} (or name it with the ${what} column option)`,
  });
}
