import { resolve } from 'node:path';
import { renderPreviewGrid } from '@graft/augmentation/node';
import { getBackboneDescriptor } from '@graft/backbones';
import type { Command } from 'commander';
import { parseInteger } from '../config/parse-values.js';
import type { CommandOutput } from '../output.js';
import { buildAugmentation } from '../pipeline/build-augmentation.js';
import { defaultBackboneName } from '../pipeline/defaults.js';
import { selectBackend } from '../pipeline/select-backend.js';

interface PreviewFlags {
  augment: string;
  out: string;
  rows: string;
  columns: string;
  seed: string;
}

/** `graft augment preview <image…> --augment … --out grid.png`: see what a pipeline does. */
export function registerAugmentCommand(program: Command, output: CommandOutput): void {
  const augment = program.command('augment').description('augmentation tools');
  augment
    .command('preview')
    .description('render augmented variants of images as a PNG grid')
    .argument('<images...>', 'one or more images (mixup/cutmix mix between them)')
    .requiredOption(
      '--augment <ops>',
      'ops, e.g. randomFlip+randomRotation:degrees=15,fill=0 (or a JSON pipeline)',
    )
    .option('--out <file>', 'PNG to write', 'augment-preview.png')
    .option('--rows <n>', 'grid rows', '3')
    .option('--columns <n>', 'grid columns', '4')
    .option('--seed <n>', 'seed of the augmentation', '0')
    .action(async (images: string[], flags: PreviewFlags) => {
      // Sized ops without a size (randomResizedCrop …) get the default backbone's input size.
      const augmentation = buildAugmentation(flags.augment, {
        imageSize: getBackboneDescriptor(defaultBackboneName).preprocessing.inputSize,
        onDeprecation: (message) => output.info(`graft: ${message}`),
      });
      const rows = parseInteger('--rows', flags.rows, { minimum: 1, maximum: 32 });
      const columns = parseInteger('--columns', flags.columns, { minimum: 1, maximum: 32 });
      const seed = parseInteger('--seed', flags.seed, { minimum: 0 });
      await selectBackend();
      const out = resolve(flags.out);
      const png = await renderPreviewGrid({
        images: images.map((image) => resolve(image)),
        augmentation,
        rows,
        columns,
        seed,
        output: out,
      });
      if (output.json) {
        output.result(
          JSON.stringify(
            { output: out, bytes: png.byteLength, augmentation: augmentation.toConfig() },
            null,
            2,
          ),
        );
        return;
      }
      output.result(
        `wrote ${out} (${rows}×${columns} grid, ${(png.byteLength / 1024).toFixed(0)} KiB)`,
      );
    });
}
