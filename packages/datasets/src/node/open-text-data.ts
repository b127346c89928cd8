import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '@graft/core';
import { CsvError, parse } from 'csv-parse/sync';
import { type TextExamples, textExamplesFrom } from '../text/text-examples.js';

/** Options of {@link openTextData}. */
export interface OpenTextDataOptions {
  /** A folder of class folders holding `.txt` files, or a `.csv` / `.jsonl` file. */
  path: string;
  /** Folder layout: each non-empty line of a `.txt` file is one example (default: one per file). */
  linePerExample?: boolean;
  /** Column (CSV header or JSONL key) of the text. Default `text`. */
  textColumn?: string;
  /** Column of the class name. Default `label`. */
  labelColumn?: string;
  /**
   * Examples longer than this many characters are cut to it (and counted in `truncated`): an
   * encoder reads a few hundred tokens, and a 50 MB line would only cost time. Default 10 000.
   */
  maxCharacters?: number;
}

/** What {@link openTextData} left out or changed, never silently. */
export interface TextDataReport {
  /** Files or rows with no text after trimming. */
  empty: string[];
  /** Examples cut to `maxCharacters`. */
  truncated: string[];
  /** Files in the folder layout that are not `.txt`. */
  skipped: string[];
}

/** A labelled text dataset read from disk, and what was left out. */
export interface TextData {
  examples: TextExamples;
  report: TextDataReport;
}

/** The file formats {@link openTextData} reads besides a folder. */
export const textTableExtensions = ['.csv', '.jsonl'] as const;

/**
 * Reads a labelled text dataset: a folder of class folders of UTF-8 `.txt` files (one example per
 * file, or per line with `linePerExample`), or a CSV/JSONL file with text and label columns.
 * Bytes that are not UTF-8 are an error naming the file (not silently replaced).
 */
export async function openTextData(options: OpenTextDataOptions): Promise<TextData> {
  const path = resolve(options.path);
  const maxCharacters = options.maxCharacters ?? 10_000;
  if (!Number.isInteger(maxCharacters) || maxCharacters < 1) {
    throw new InvalidArgumentError({
      argument: 'maxCharacters',
      value: maxCharacters,
      expected: 'must be a positive integer',
    });
  }
  const report: TextDataReport = { empty: [], truncated: [], skipped: [] };
  const rows: { text: string; className: string; source: string }[] = [];
  const add = (text: string, className: string, source: string) => {
    const trimmed = text.trim();
    if (trimmed.length === 0) {
      report.empty.push(source);
      return;
    }
    if (trimmed.length > maxCharacters) report.truncated.push(source);
    rows.push({ text: trimmed.slice(0, maxCharacters), className, source });
  };
  const information = await stat(path).catch((error: unknown) => {
    throw new InvalidArgumentError({
      argument: 'path',
      value: options.path,
      expected: 'must be a folder of class folders or a .csv/.jsonl file that exists',
      cause: error,
    });
  });
  if (information.isDirectory()) {
    await readFolder(path, options.linePerExample === true, add, report);
  } else {
    const extension = extname(path).toLowerCase();
    const text = await readUtf8(path);
    const textColumn = options.textColumn ?? 'text';
    const labelColumn = options.labelColumn ?? 'label';
    const records =
      extension === '.csv'
        ? parseCsv(path, text)
        : extension === '.jsonl'
          ? parseJsonl(path, text)
          : undefined;
    if (records === undefined) {
      throw new InvalidArgumentError({
        argument: 'path',
        value: options.path,
        expected: `must be a folder or a file ending in ${textTableExtensions.join(' or ')}`,
      });
    }
    records.forEach((record, index) => {
      const source = `${basename(path)}#${index + 1}`;
      const text = record[textColumn];
      const label = record[labelColumn];
      if (typeof text !== 'string' || (typeof label !== 'string' && typeof label !== 'number')) {
        throw new FileFormatError({
          file: path,
          problem: `row ${index + 1} has no string "${textColumn}" and "${labelColumn}" (keys: ${Object.keys(record).join(', ')})`,
        });
      }
      add(text, String(label), source);
    });
  }
  if (rows.length === 0) {
    throw new FileFormatError({ file: path, problem: 'holds no text examples' });
  }
  return { examples: textExamplesFrom(rows), report };
}

async function readFolder(
  root: string,
  linePerExample: boolean,
  add: (text: string, className: string, source: string) => void,
  report: TextDataReport,
): Promise<void> {
  const classes = (await readdir(root, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (classes.length === 0) {
    throw new FileFormatError({ file: root, problem: 'has no class folders' });
  }
  for (const className of classes) {
    const files = (await readdir(join(root, className), { withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
    for (const file of files) {
      const path = join(root, className, file);
      const source = relative(root, path);
      if (extname(file).toLowerCase() !== '.txt') {
        report.skipped.push(source);
        continue;
      }
      const text = await readUtf8(path);
      if (!linePerExample) {
        add(text, className, source);
        continue;
      }
      const lines = text.split(/\r?\n/);
      // A trailing newline ends the last line; it does not start an empty example.
      if (lines.at(-1) === '') lines.pop();
      for (const [index, line] of lines.entries()) add(line, className, `${source}:${index + 1}`);
    }
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

async function readUtf8(path: string): Promise<string> {
  const bytes = await readFile(path);
  try {
    // A byte-order mark is not text.
    return strictUtf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: 'is not UTF-8 text (re-encode it, e.g. iconv -f latin1 -t utf-8)',
      cause: error,
    });
  }
}

function parseCsv(path: string, text: string): Record<string, unknown>[] {
  try {
    return parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<
      string,
      unknown
    >[];
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: `is not valid CSV with a header row (${error instanceof CsvError ? error.message : String(error)})`,
      cause: error,
    });
  }
}

function parseJsonl(path: string, text: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new FileFormatError({
        file: path,
        problem: `line ${index + 1} is not JSON`,
        cause: error,
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new FileFormatError({ file: path, problem: `line ${index + 1} is not a JSON object` });
    }
    records.push(value as Record<string, unknown>);
  });
  return records;
}
