import {
  checkCosineThreshold,
  defaultCosineThreshold,
  defaultHammingThreshold,
  maximumHammingThreshold,
} from '@graft/datasets';
import { type ImageDuplicateReport, openImageFolder } from '@graft/datasets/node';
import type { Command } from 'commander';
import { parseChoice, parseInteger, parseText } from '../config/parse-values.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { isTextInspection, runTextInspect } from '../text/data-inspect-text.js';
import { formatDuplicates } from './data-inspect-duplicates.js';
import { backboneDuplicateFeatures } from './data-inspect-features.js';
import { imbalanceWarning } from './data-inspect-imbalance.js';

const checks = ['none', 'header', 'full'] as const;

interface DataInspectFlags {
  check: string;
  duplicates: boolean;
  nearDuplicates: boolean;
  hammingThreshold: string;
  features?: string;
  cosineThreshold: string;
  maxPairs: string;
  text?: boolean;
  linePerExample?: boolean;
  splitManifest?: string;
}

/**
 * `graft data inspect <dir>`: classes, counts per split, imbalance, image sizes, bad files, and
 * exact / near duplicates (within a class, across classes, across splits) with their file pairs.
 */
export function registerDataCommand(program: Command, output: CommandOutput): void {
  const data = program.command('data').description('inspect image folders');
  data
    .command('inspect')
    .description('class counts per split, imbalance, image sizes, skipped and unreadable files')
    .argument('<dir>', 'image folder: class folders, or train/ val/ test/ holding class folders')
    .option('--check <level>', `how deeply to read images: ${checks.join(', ')}`, 'header')
    .option('--no-duplicates', 'skip the duplicate search (counts and sizes only)')
    .option(
      '--no-near-duplicates',
      'exact duplicates only: skip the perceptual-hash scan (no decoding)',
    )
    .option(
      '--hamming-threshold <bits>',
      `near duplicates: largest perceptual-hash distance, 0-${maximumHammingThreshold} of 64 bits`,
      String(defaultHammingThreshold),
    )
    .option(
      '--features <backbone>',
      'also compare pretrained backbone features (cosine), e.g. mobilenet_v2_1.0_224; for text data a text encoder, e.g. use-lite',
    )
    .option(
      '--cosine-threshold <similarity>',
      'with --features: smallest cosine similarity of near duplicates, in (0, 1]',
      String(defaultCosineThreshold),
    )
    .option('--max-pairs <n>', 'most duplicate rows printed per table (--json lists all)', '50')
    .option('--text', 'text data (class folders of .txt, CSV, JSONL); implied by .csv/.jsonl')
    .option('--line-per-example', 'text data: each non-empty line of a .txt file is one example')
    .option('--split-manifest <file>', "text data: a run's split-manifest.json, to name leakage")
    .action(async (directory: string, options: DataInspectFlags) => {
      const check = parseChoice('--check', options.check, checks);
      const hammingThreshold = parseInteger('--hamming-threshold', options.hammingThreshold, {
        minimum: 0,
        maximum: maximumHammingThreshold,
      });
      const cosineRaw = String(options.cosineThreshold).trim();
      const cosineThreshold = checkCosineThreshold(
        cosineRaw === '' ? Number.NaN : Number(cosineRaw),
        '--cosine-threshold',
      );
      const maxRows = parseInteger('--max-pairs', options.maxPairs, { minimum: 1 });
      const backboneName =
        options.features === undefined ? undefined : parseText('--features', options.features);
      if (isTextInspection(directory, options)) {
        const text = { dataPath: directory, flags: options, cosineThreshold, maxRows, output };
        await runTextInspect(text);
        return;
      }
      const folder = await openImageFolder({ root: directory, imageSize: [224, 224] });
      const inspection = await folder.inspect({ check });
      let duplicates: ImageDuplicateReport | undefined;
      if (options.duplicates) {
        const progress = output.progress();
        const total = inspection.totals.all ?? 0;
        progress.start({ label: 'hashing', total, unit: 'img' });
        duplicates = await folder.findDuplicates({
          nearDuplicates: options.nearDuplicates,
          hammingThreshold,
          ...(backboneName === undefined
            ? {}
            : { features: backboneDuplicateFeatures(backboneName, output), cosineThreshold }),
          onProgress: (done) => progress.update(done),
        });
        progress.stop();
      }
      const imbalance = imbalanceWarning(inspection);
      if (output.json) {
        output.result(
          JSON.stringify(
            {
              root: folder.root,
              ...inspection,
              ...(imbalance === undefined ? {} : { imbalanceWarning: imbalance }),
              ...(duplicates === undefined ? {} : { duplicates }),
            },
            null,
            2,
          ),
        );
        return;
      }
      const groups = Object.keys(inspection.counts);
      const lines = [
        `${folder.root}: ${inspection.layout === 'splits' ? `splits ${folder.splitNames.join(', ')}` : 'class folders (no train/val split)'}, ${inspection.classNames.length} classes`,
        '',
        formatTable(
          ['class', ...groups],
          [
            ...inspection.classNames.map((name) => [
              name,
              ...groups.map((group) => inspection.counts[group]?.[name] ?? 0),
            ]),
            ['total', ...groups.map((group) => inspection.totals[group] ?? 0)],
          ],
        ),
        '',
        `imbalance   ${inspection.imbalanceRatio.toFixed(2)} (largest / smallest class)`,
        ...(imbalance === undefined ? [] : [`warning     ${imbalance}`]),
      ];
      if (inspection.imageSizes) {
        const { width, height, count } = inspection.imageSizes;
        lines.push(
          `image size  width ${width.min}–${width.max} (mean ${Math.round(width.mean)}), height ${height.min}–${height.max} (mean ${Math.round(height.mean)}) over ${count} images`,
        );
      }
      for (const file of inspection.skipped) lines.push(`skipped     ${file.path}: ${file.reason}`);
      for (const file of inspection.badFiles) {
        // Decoder errors already start with the path.
        const reason = file.reason.startsWith(`${file.path}: `)
          ? file.reason.slice(file.path.length + 2)
          : file.reason;
        lines.push(`unreadable  ${file.path}: ${reason}`);
      }
      for (const folderName of inspection.emptyClassFolders)
        lines.push(`empty       ${folderName}`);
      for (const [split, names] of Object.entries(inspection.missingClasses)) {
        if (names && names.length > 0)
          lines.push(`missing     ${split} has no ${names.join(', ')}`);
      }
      if (duplicates !== undefined) {
        lines.push(
          '',
          ...formatDuplicates({
            report: duplicates,
            root: folder.root,
            maxRows,
            listed: new Set(inspection.badFiles.map((file) => file.path)),
          }),
        );
      }
      output.result(lines.join('\n'));
    });
}
