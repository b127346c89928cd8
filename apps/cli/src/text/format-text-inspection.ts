import type { DuplicateImage } from '@graft/datasets';
import { formatTable } from '../format-table.js';
import type { TextDataInspection } from './inspect-text-data.js';

/**
 * `graft data inspect` on text data, for the console: counts per class, lengths, what was left
 * out, then exact-duplicate groups and near-duplicate pairs (label noise and leakage first).
 */
export function formatTextInspection(
  inspection: TextDataInspection,
  options: {
    /** The data path as given. */
    dataPath: string;
    /** Most rows per duplicate table; the rest are counted. */
    maxRows: number;
  },
): string {
  const { duplicates, report } = inspection;
  const { maxRows } = options;
  const where = (example: DuplicateImage) =>
    `${example.className}${example.split ? `/${example.split}` : ''}`;
  const lines = [
    `${options.dataPath}: text, ${inspection.classNames.length} classes, ${inspection.total} examples`,
    '',
    formatTable(
      ['class', 'examples'],
      [
        ...inspection.classNames.map((name) => [name, inspection.counts[name] ?? 0]),
        ['total', inspection.total],
      ],
    ),
    '',
    `imbalance   ${inspection.imbalanceRatio.toFixed(2)} (largest / smallest class)`,
    `length      ${inspection.characters.min}–${inspection.characters.max} characters (mean ${Math.round(inspection.characters.mean)})`,
  ];
  for (const [what, list] of [
    ['empty', report.empty],
    ['truncated', report.truncated],
    ['skipped', report.skipped],
  ] as const) {
    if (list.length > 0) {
      lines.push(
        `${what.padEnd(11)} ${list.length}: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`,
      );
    }
  }
  const { exactPairs, nearPairs } = duplicates.summary;
  lines.push(
    '',
    `duplicates  ${duplicates.exactGroups.length} exact group(s) (same text up to case, punctuation and spacing; pairs: ${exactPairs['cross-class']} cross-class, ${exactPairs['cross-split']} cross-split)`,
    inspection.encoder === undefined
      ? 'near        not searched (--features <text encoder>, e.g. use-lite)'
      : `near        ${nearPairs.total} pair(s) (${inspection.encoder} embeddings, cosine ≥ ${duplicates.cosineThreshold}): ${nearPairs['within-class']} within-class, ${nearPairs['cross-class']} cross-class, ${nearPairs['cross-split']} cross-split`,
  );
  if (duplicates.exactGroups.length > 0) {
    const rows = duplicates.exactGroups
      .slice(0, maxRows)
      .map((group, index) => [
        String(index + 1),
        group.images.map((example) => `${example.path} (${where(example)})`).join(', '),
        group.kinds.join('+'),
      ]);
    lines.push('', 'exact duplicates', formatTable(['group', 'examples', 'kinds'], rows));
    if (duplicates.exactGroups.length > maxRows) {
      lines.push(`… ${duplicates.exactGroups.length - maxRows} more group(s); --json lists all`);
    }
  }
  if (duplicates.nearPairs.length > 0) {
    const rank = (kinds: readonly string[]) =>
      (kinds.includes('cross-class') ? 0 : 2) + (kinds.includes('cross-split') ? 0 : 1);
    const rows = [...duplicates.nearPairs]
      .sort((a, b) => rank(a.kinds) - rank(b.kinds))
      .slice(0, maxRows)
      .map((pair) => [
        pair.first.path,
        where(pair.first),
        pair.second.path,
        where(pair.second),
        pair.cosineSimilarity === undefined ? '-' : pair.cosineSimilarity.toFixed(3),
        pair.kinds.join('+'),
      ]);
    lines.push(
      '',
      'near duplicates',
      formatTable(['example', 'class', 'example', 'class', 'cosine', 'kinds'], rows),
    );
    if (duplicates.nearPairs.length > maxRows) {
      lines.push(`… ${duplicates.nearPairs.length - maxRows} more pair(s); --json lists all`);
    }
  }
  return lines.join('\n');
}
