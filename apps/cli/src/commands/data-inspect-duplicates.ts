import { relative } from 'node:path';
import type { DuplicateImage } from '@graft/datasets';
import type { ImageDuplicateReport } from '@graft/datasets/node';
import { formatTable } from '../format-table.js';

/** Options of {@link formatDuplicates}. */
export interface FormatDuplicatesOptions {
  /** The duplicate report. */
  report: ImageDuplicateReport;
  /** Folder root: paths are shown relative to it. */
  root: string;
  /** Most rows per table; the rest are counted. */
  maxRows: number;
  /** Paths already listed as unreadable (not repeated). */
  listed?: ReadonlySet<string>;
}

/**
 * The duplicate section of `graft data inspect`: a summary line, a table of exact-duplicate
 * groups (one row per file) and a table of near-duplicate pairs.
 */
export function formatDuplicates(options: FormatDuplicatesOptions): string[] {
  const { report, root, maxRows } = options;
  const path = (image: DuplicateImage) => relative(root, image.path).split('\\').join('/');
  const split = (image: DuplicateImage) => image.split ?? '-';
  const { exactPairs, nearPairs } = report.summary;
  const redundant = report.summary.images - report.summary.distinctContents;
  const scans = [
    report.hammingThreshold === undefined ? undefined : `pHash ≤ ${report.hammingThreshold} bits`,
    report.cosineThreshold === undefined
      ? undefined
      : `features cosine ≥ ${report.cosineThreshold}`,
  ].filter((scan) => scan !== undefined);
  const lines = [
    `duplicates  ${report.exactGroups.length} exact group(s) (${redundant} redundant file(s); pairs: ${exactPairs['cross-class']} cross-class, ${exactPairs['cross-split']} cross-split)`,
    scans.length === 0
      ? 'near        not searched'
      : `near        ${nearPairs.total} pair(s) (${scans.join(', ')}): ${nearPairs['within-class']} within-class, ${nearPairs['cross-class']} cross-class, ${nearPairs['cross-split']} cross-split`,
  ];
  if (report.exactGroups.length > 0) {
    const rows: (string | number)[][] = [];
    for (const [index, group] of report.exactGroups.entries()) {
      if (rows.length >= maxRows) break;
      for (const [position, image] of group.images.entries()) {
        rows.push([
          position === 0 ? String(index + 1) : '',
          path(image),
          image.className,
          split(image),
          position === 0 ? group.kinds.join('+') : '',
        ]);
      }
    }
    lines.push('', 'exact duplicates (identical bytes)');
    lines.push(formatTable(['group', 'file', 'class', 'split', 'kinds'], rows));
    const shown = new Set(rows.filter((row) => row[0] !== '').map((row) => row[0])).size;
    if (shown < report.exactGroups.length) {
      lines.push(`… ${report.exactGroups.length - shown} more group(s); --json lists all`);
    }
  }
  if (report.nearPairs.length > 0) {
    const withBits = report.hammingThreshold !== undefined;
    const withCosine = report.cosineThreshold !== undefined;
    // Label noise and leakage first (they need a decision), then the closest pairs.
    const rank = (kinds: readonly string[]) =>
      (kinds.includes('cross-class') ? 0 : 2) + (kinds.includes('cross-split') ? 0 : 1);
    const ordered = [...report.nearPairs].sort((a, b) => rank(a.kinds) - rank(b.kinds));
    const rows = ordered
      .slice(0, maxRows)
      .map((pair) => [
        path(pair.first),
        `${pair.first.className}/${split(pair.first)}`,
        path(pair.second),
        `${pair.second.className}/${split(pair.second)}`,
        ...(withBits
          ? [pair.hammingDistance === undefined ? '-' : String(pair.hammingDistance)]
          : []),
        ...(withCosine
          ? [pair.cosineSimilarity === undefined ? '-' : pair.cosineSimilarity.toFixed(3)]
          : []),
        pair.kinds.join('+'),
      ]);
    lines.push('', 'near duplicates');
    lines.push(
      formatTable(
        [
          'file',
          'class/split',
          'file',
          'class/split',
          ...(withBits ? ['bits'] : []),
          ...(withCosine ? ['cosine'] : []),
          'kinds',
        ],
        rows,
      ),
    );
    if (report.nearPairs.length > maxRows) {
      lines.push(`… ${report.nearPairs.length - maxRows} more pair(s); --json lists all`);
    }
  }
  for (const file of report.unreadable) {
    if (!options.listed?.has(file.path)) lines.push(`unhashed    ${file.path}: ${file.reason}`);
  }
  return lines;
}
