import { openImageFolder } from '@graft/datasets/node';
import type { Command } from 'commander';
import { parseChoice } from '../config/parse-values.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';

const checks = ['none', 'header', 'full'] as const;

/** `graft data inspect <dir>`: classes, counts per split, imbalance, image sizes, bad files. */
export function registerDataCommand(program: Command, output: CommandOutput): void {
  const data = program.command('data').description('inspect image folders');
  data
    .command('inspect')
    .description('class counts per split, imbalance, image sizes, skipped and unreadable files')
    .argument('<dir>', 'image folder: class folders, or train/ val/ test/ holding class folders')
    .option('--check <level>', `how deeply to read images: ${checks.join(', ')}`, 'header')
    .action(async (directory: string, options: { check: string }) => {
      const check = parseChoice('--check', options.check, checks);
      const folder = await openImageFolder({ root: directory, imageSize: [224, 224] });
      const inspection = await folder.inspect({ check });
      if (output.json) {
        output.result(JSON.stringify({ root: folder.root, ...inspection }, null, 2));
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
      ];
      if (inspection.imageSizes) {
        const { width, height, count } = inspection.imageSizes;
        lines.push(
          `image size  width ${width.min}–${width.max} (mean ${Math.round(width.mean)}), height ${height.min}–${height.max} (mean ${Math.round(height.mean)}) over ${count} images`,
        );
      }
      for (const file of inspection.skipped) lines.push(`skipped     ${file.path}: ${file.reason}`);
      for (const file of inspection.badFiles)
        lines.push(`unreadable  ${file.path}: ${file.reason}`);
      for (const folderName of inspection.emptyClassFolders)
        lines.push(`empty       ${folderName}`);
      for (const [split, names] of Object.entries(inspection.missingClasses)) {
        if (names && names.length > 0)
          lines.push(`missing     ${split} has no ${names.join(', ')}`);
      }
      output.result(lines.join('\n'));
    });
}
