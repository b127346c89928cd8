import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, type JsonObject } from '@graft/core';
import { FileImageDataset, imageExtensions } from '@graft/datasets/node';
import {
  type AdaptBatchNormProgress,
  adaptationMethodNames,
  adaptClassifier,
  batchNormStrategies,
  getAdaptationMethod,
} from '@graft/trainer';
import { writeClassifierDirectory } from '@graft/trainer/node';
import type { Command } from 'commander';
import { parseChoice, parseInteger } from '../config/parse-values.js';
import type { CommandOutput } from '../output.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import { isCifarName } from '../pipeline/load-training-data.js';
import { openClassifierSource } from '../run/open-classifier-source.js';
import { readJson, runDirectoryAt, writeJson } from '../run/run-directory.js';
import { lockRun } from '../run/run-lock.js';

const splitFolders = ['train', 'val', 'validation', 'test'] as const;

interface AdaptFlags {
  method: string;
  output?: string;
  batchSize: string;
  strategy: string;
  split: string;
}

/**
 * `graft adapt --method adabn <run> <unlabelled-dir>`: adapts a trained run to a target domain
 * with a registered post-hoc method and writes the result as a new run directory (`config.json`
 * with the adaptation, `model/`, `adaptation.json`), so `graft eval`/`predict`/`export` take it
 * as they take the source run. The new directory appears at once (written beside it, then
 * renamed) and never replaces an existing one; the source run is only read.
 */
export function registerAdaptCommand(program: Command, output: CommandOutput): void {
  program
    .command('adapt')
    .description(
      'adapt a trained run to a target domain from unlabelled images (post-hoc, no labels): ' +
        'adabn re-estimates BatchNorm statistics. CORAL is not a post-hoc method but a loss ' +
        'training-time loss term (graft train --coral-target <dir>)',
    )
    .argument(
      '<run>',
      'run directory written by graft train, or a classifier directory (model.json, weights.bin, metadata.json: graft export, Teachable Machine)',
    )
    .argument(
      '<unlabelled-dir>',
      'target-domain images: any folder tree of images (class folders are ignored); in a train/ val/ test/ folder only --split is used',
    )
    .option('--method <name>', 'adaptation method (see the list below)', 'adabn')
    .option(
      '--output <dir>',
      'new run directory to write (default: <run>-<method>; must not exist)',
    )
    .option(
      '--batch-size <n>',
      'images per forward pass (adabn: batch of the batch statistics)',
      '32',
    )
    .option(
      '--strategy <name>',
      `adabn: ${batchNormStrategies.join(' or ')} (progressive is exact but costs about layers/2 passes)`,
      'one-pass',
    )
    .option('--split <name>', 'split used when <unlabelled-dir> has train/ val/ test/', 'train')
    .addHelpText('after', () => {
      const lines = adaptationMethodNames().map(
        (name) => `  ${name.padEnd(8)} ${getAdaptationMethod(name).description}`,
      );
      return `\nMethods:\n${lines.join('\n')}\n`;
    })
    .action(async (runPath: string, dataPath: string, flags: AdaptFlags) => {
      // Unknown methods fail before anything is loaded, listing the valid ones.
      const method = getAdaptationMethod(flags.method);
      const batchSize = parseInteger('--batch-size', flags.batchSize, { minimum: 1 });
      const strategy = parseChoice('--strategy', flags.strategy, batchNormStrategies);
      const split = parseChoice('--split', flags.split, splitFolders);
      const source = await openClassifierSource(runPath);
      const outputRoot = resolve(flags.output ?? `${source.root}-${method.name}`);
      await checkOutput(outputRoot, source.root);
      const files = await listUnlabelledImages(resolve(dataPath), split);
      const classifier = await loadRunClassifier(source);
      const preprocessing = classifier.metadata.graft.preprocessing;
      const data = new FileImageDataset({
        files: files.map((path) => ({ path, label: 0 })),
        classNames: ['unlabelled'],
        imageSize: preprocessing.inputSize,
        resize: preprocessing.resize,
        onBadImage: 'skip',
      });
      const progress = output.progress();
      let pass = 0;
      const onProgress = (update: AdaptBatchNormProgress) => {
        if (update.pass !== pass) {
          pass = update.pass;
          progress.start({
            label:
              update.passes > 1 ? `${method.name} ${update.pass}/${update.passes}` : method.name,
            total: update.totalImages,
            unit: 'img',
          });
        }
        progress.update(update.images);
      };
      const methodOptions: JsonObject = method.name === 'adabn' ? { strategy } : {};
      const started = Date.now();
      let adapted: Awaited<ReturnType<typeof adaptClassifier>>;
      try {
        adapted = await adaptClassifier({
          classifier,
          method: method.name,
          data,
          batchSize,
          options: methodOptions,
          // Names, not local paths: the metadata travels with exported models.
          details: { sourceRun: source.name, targetData: basename(resolve(dataPath)), split },
          onProgress,
        });
      } finally {
        progress.stop();
        classifier.dispose();
      }
      const seconds = (Date.now() - started) / 1000;
      const partial = `${outputRoot}.partial-${process.pid}`;
      // Locked while written, so a graft train --out of the same folder cannot mix into it.
      const lock = await lockRun({ root: outputRoot, command: 'graft adapt' }).catch(
        (error: unknown) => {
          adapted.classifier.dispose();
          throw error;
        },
      );
      try {
        await checkOutput(outputRoot, source.root);
        const target = runDirectoryAt(partial);
        await writeClassifierDirectory({
          classifier: adapted.classifier,
          directory: target.modelDir,
        });
        // A bare classifier directory (e.g. a Teachable Machine export) has no training config.
        const sourceConfig = source.run
          ? await readJson<JsonObject>(source.run.configFile, 'config.json')
          : {};
        await writeJson(target.configFile, {
          ...sourceConfig,
          // config.json paths are relative to the run directory; this one is elsewhere.
          ...(typeof sourceConfig.data === 'string' && !isCifarName(sourceConfig.data)
            ? { data: relative(outputRoot, resolve(source.root, sourceConfig.data)) || '.' }
            : {}),
          adaptation: {
            method: method.name,
            options: methodOptions,
            sourceRun: source.root,
            targetData: resolve(dataPath),
            images: data.size - data.badFiles.length,
            skippedImages: data.badFiles.map((file) => file.path),
          },
        });
        await writeJson(join(partial, 'adaptation.json'), {
          method: method.name,
          options: methodOptions,
          seconds,
          report: adapted.report,
        });
        await mkdir(dirname(outputRoot), { recursive: true });
        // One rename makes the whole directory appear; it fails rather than replace one.
        await rename(partial, outputRoot);
      } catch (error) {
        await rm(partial, { recursive: true, force: true });
        throw error;
      } finally {
        adapted.classifier.dispose();
        await lock.release();
      }
      const report = adapted.report as { layersAdapted?: number; imagesSeen?: number };
      if (output.json) {
        output.result(
          JSON.stringify(
            { output: outputRoot, method: method.name, seconds, report: adapted.report },
            null,
            2,
          ),
        );
        return;
      }
      output.result(
        [
          `adapted ${source.name} with ${method.name} on ${report.imagesSeen ?? data.size} unlabelled images ` +
            `(${report.layersAdapted ?? 0} BatchNorm layers, ${seconds.toFixed(1)} s)`,
          `  wrote ${outputRoot} (model/, config.json, adaptation.json)`,
          `  evaluate it: graft eval ${displayPath(outputRoot)} <labelled target data>`,
        ].join('\n'),
      );
    });
}

/** `path` relative to the working directory when it lies inside it, else absolute. */
function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === '' || shown.startsWith('..') ? path : shown;
}

/** The output must be a new directory, outside the source run. */
async function checkOutput(outputRoot: string, runRoot: string): Promise<void> {
  const inside = relative(runRoot, outputRoot);
  if (outputRoot === runRoot || (!inside.startsWith('..') && !inside.startsWith('/'))) {
    throw new InvalidArgumentError({
      argument: '--output',
      value: outputRoot,
      expected: 'must be outside the source run (the source run is never modified)',
    });
  }
  const exists = await stat(outputRoot).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new InvalidArgumentError({
      argument: '--output',
      value: outputRoot,
      expected: 'must not exist yet (graft adapt never overwrites); remove it or choose another',
    });
  }
}

/**
 * Every image file under `root`, sorted; in a `train/ val/ test/` folder only `split` is read,
 * so adaptation never sees the evaluation images by accident.
 */
async function listUnlabelledImages(root: string, split: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((error: unknown) => {
    throw new InvalidArgumentError({
      argument: '<unlabelled-dir>',
      value: root,
      expected: 'must be a readable folder of images',
      cause: error,
    });
  });
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  let base = root;
  if (
    folders.length > 0 &&
    folders.every((name) => (splitFolders as readonly string[]).includes(name))
  ) {
    const chosen =
      split === 'val' && !folders.includes('val') && folders.includes('validation')
        ? 'validation'
        : split;
    if (!folders.includes(chosen)) {
      throw new InvalidArgumentError({
        argument: '--split',
        value: split,
        expected: `must be one of the splits of ${root}: ${folders.join(', ')}`,
      });
    }
    base = join(root, chosen);
  }
  const names = (await readdir(base, { recursive: true })) as string[];
  const files = names
    .filter((name) => imageExtensions.includes(extname(name).toLowerCase()))
    .map((name) => join(base, name))
    .sort();
  if (files.length === 0) {
    throw new InvalidArgumentError({
      argument: '<unlabelled-dir>',
      value: base,
      expected: `must contain images (${imageExtensions.join(' ')})`,
    });
  }
  return files;
}
