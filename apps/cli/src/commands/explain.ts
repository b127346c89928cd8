import { mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { decodePixels } from '@graft/datasets/node';
import type { Command } from 'commander';
import { parsePositiveNumber } from '../config/parse-values.js';
import { exitCodes } from '../exit-codes.js';
import { type ContactSheetEntry, contactSheet } from '../explain/contact-sheet.js';
import { featureMapLayerOf } from '../explain/feature-map-layer-of.js';
import { encodePng, renderExplanation } from '../explain/render-explanation.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { checkImageFile } from '../pipeline/check-image-file.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import { openClassifierSource } from '../run/open-classifier-source.js';
import { toStorageError } from '../run/storage-errors.js';
import { runTextExplain } from '../text/explain-text-command.js';
import { readTextEncoderReference } from '../text/text-encoder-metadata.js';

interface ExplainFlags {
  out: string;
  class?: string;
  opacity: string;
}

/**
 * `graft explain <run> <images…> --out <dir>`: per image, the original with a Grad-CAM heat map
 * of the top class (or `--class`) laid over it as a PNG, and `index.html`, a contact sheet of all
 * of them. An image that cannot be read is reported by name and skipped; the exit code is then 3
 * (input), after every image was tried.
 */
export function registerExplainCommand(program: Command, output: CommandOutput): void {
  program
    .command('explain')
    .description(
      'Grad-CAM heat maps: where in each image the model found its class (PNG overlays + index.html)',
    )
    .argument(
      '<run>',
      'run directory written by graft train, or a classifier directory (model.json, weights.bin, metadata.json)',
    )
    .argument(
      '<images...>',
      'image files (JPEG, PNG, WebP, TIFF, BMP, PPM/PGM); for a text model, texts or .txt files (word-occlusion attributions)',
    )
    .requiredOption('--out <dir>', 'folder for the overlays and index.html (created if missing)')
    .option(
      '--class <name>',
      'explain this class for every image (default: each image’s top class)',
    )
    .option('--opacity <fraction>', 'weight of the heat-map colours over the image', '0.5')
    .action(async (runPath: string, images: string[], options: ExplainFlags) => {
      const opacity = parsePositiveNumber('--opacity', options.opacity);
      if (opacity > 1) {
        throw new InvalidArgumentError({
          argument: '--opacity',
          value: options.opacity,
          expected: 'must be in (0, 1]',
        });
      }
      const source = await openClassifierSource(runPath);
      const reference = await readTextEncoderReference(source.modelDir);
      if (reference !== undefined) {
        const title = `graft explain ${runPath}`;
        const { out, class: className } = options;
        await runTextExplain({ source, reference, inputs: images, out, className, title, output });
        return;
      }
      const problems = await Promise.all(images.map((image) => checkImageFile(resolve(image))));
      const classifier = await loadRunClassifier(source);
      const entries: ContactSheetEntry[] = [];
      try {
        if (options.class !== undefined && !classifier.labels.includes(options.class)) {
          throw new InvalidArgumentError({
            argument: '--class',
            value: options.class,
            expected: `must be one of the model's classes: ${classifier.labels.join(', ')}`,
          });
        }
        const outDirectory = resolve(options.out);
        await mkdir(outDirectory, { recursive: true }).catch((error: unknown) => {
          throw toStorageError(error, outDirectory);
        });
        const featureMapLayer = featureMapLayerOf(classifier);
        const used = new Set<string>();
        for (const [index, image] of images.entries()) {
          const problem = problems[index];
          if (problem !== undefined) {
            entries.push({ image, error: { code: problem.code, message: problem.problem } });
            continue;
          }
          const path = resolve(image);
          let decoded: Awaited<ReturnType<typeof decodePixels>>;
          try {
            decoded = await decodePixels(await readFile(path), path);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            // Decoder messages start with the absolute path; the image is named already.
            const text = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
            entries.push({ image, error: { code: 'FILE_FORMAT', message: text } });
            continue;
          }
          const rendered = await renderExplanation({
            classifier,
            image: decoded,
            opacity,
            ...(options.class !== undefined ? { className: options.class } : {}),
            ...(featureMapLayer !== undefined ? { featureMapLayer } : {}),
          });
          const overlay = uniqueName(used, `${basename(image, extname(image))}.gradcam.png`);
          const file = join(outDirectory, overlay);
          await writeFileAtomic(file, await encodePng(rendered)).catch((error: unknown) => {
            throw toStorageError(error, file);
          });
          entries.push({
            image,
            overlay,
            className: rendered.label,
            probability: rendered.probability,
          });
        }
        const sheet = join(outDirectory, 'index.html');
        await writeFileAtomic(
          sheet,
          contactSheet({ title: `graft explain ${runPath}`, entries }),
        ).catch((error: unknown) => {
          throw toStorageError(error, sheet);
        });
        output.info(`contact sheet: ${sheet}`);
      } finally {
        classifier.dispose();
      }
      const failed = entries.filter((entry) => 'error' in entry).length;
      if (failed > 0) {
        output.error(
          `graft: ${failed} of ${images.length} image(s) could not be explained (listed with their error); exit ${exitCodes.input}`,
        );
        process.exitCode = exitCodes.input;
      }
      if (output.json) {
        output.result(JSON.stringify(entries, null, 2));
        return;
      }
      output.result(
        formatTable(
          ['image', 'class', 'probability', 'overlay'],
          entries.map((entry) =>
            'error' in entry
              ? [entry.image, '-', '-', `error: ${entry.error.message}`]
              : [entry.image, entry.className, entry.probability.toFixed(4), entry.overlay],
          ),
        ),
      );
    });
}

/** `name`, or `name` with `-2`, `-3` … before the extension when an earlier image took it. */
function uniqueName(used: Set<string>, name: string): string {
  let candidate = name;
  for (let copy = 2; used.has(candidate); copy++) {
    candidate = name.replace(/\.gradcam\.png$/, `-${copy}.gradcam.png`);
  }
  used.add(candidate);
  return candidate;
}
