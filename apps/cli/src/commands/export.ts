import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@graft/core/node';
import { teachableMachineCompatibility } from '@graft/trainer';
import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';
import { loadRunClassifier } from '../pipeline/load-run-classifier.js';
import { openRunDirectory } from '../run/run-directory.js';

/** The files of a saved classifier (Teachable Machine's image-model layout). */
const modelFiles = ['model.json', 'weights.bin', 'metadata.json'] as const;

/**
 * `graft export <run>`: a self-contained tfjs model directory: `model.json` + `weights.bin`
 * (backbone and head as one LayersModel) and `metadata.json` (TM's `labels`, `imageSize`, …, and
 * Graft's preprocessing). The run's model is loaded first, so a broken one is never shipped.
 */
export function registerExportCommand(program: Command, output: CommandOutput): void {
  program
    .command('export')
    .description(
      'write a tfjs model directory (Teachable Machine layout: model.json, weights.bin, metadata.json)',
    )
    .argument('<run>', 'run directory written by graft train')
    .option('--out <dir>', 'output directory (default <run>/export)')
    .action(async (runPath: string, options: { out?: string }) => {
      const run = await openRunDirectory(runPath);
      const directory = resolve(options.out ?? run.exportDir);
      const classifier = await loadRunClassifier(run);
      const inputShape = classifier.model.inputs[0]?.shape;
      const outputShape = classifier.model.outputs[0]?.shape;
      classifier.model.dispose();
      // Teachable Machine's loader applies its own preprocessing whatever the metadata says: the
      // export records (and prints) where that differs from the model's own.
      const teachableMachine = teachableMachineCompatibility(
        classifier.metadata.graft.preprocessing,
      );
      let bytes = 0;
      for (const name of modelFiles) {
        if (name === 'metadata.json') {
          const metadata = {
            ...classifier.metadata,
            graft: { ...classifier.metadata.graft, teachableMachine },
          };
          await writeFileAtomic(join(directory, name), `${JSON.stringify(metadata, null, 2)}\n`);
          continue;
        }
        const content = await readFile(join(run.modelDir, name));
        if (name === 'weights.bin') bytes = content.byteLength;
        await writeFileAtomic(join(directory, name), content);
      }
      const summary = {
        directory,
        labels: classifier.labels,
        inputShape,
        outputShape,
        weightBytes: bytes,
        preprocessing: classifier.metadata.graft.preprocessing,
        teachableMachine,
      };
      if (output.json) {
        output.result(JSON.stringify(summary, null, 2));
        return;
      }
      output.result(
        [
          `exported ${run.name} to ${directory}`,
          `  model.json + weights.bin (${(bytes / 2 ** 20).toFixed(1)} MiB): input ${JSON.stringify(inputShape)} → ${JSON.stringify(outputShape)} probabilities`,
          `  metadata.json: labels ${classifier.labels.join(', ')}; input is preprocessed pixels (see graft.preprocessing, docs/preprocessing.md)`,
          teachableMachine.reproducible
            ? "  Teachable Machine's loader (@teachablemachine/image) feeds this model exactly its own preprocessing"
            : [
                "  warning: Teachable Machine's loader (@teachablemachine/image) will not feed this model what it was trained on:",
                ...teachableMachine.differences.map((difference) => `    - ${difference}`),
                '    (graft predict, loadClassifier and clients following graft.preprocessing are exact; recorded as graft.teachableMachine)',
              ].join('\n'),
        ].join('\n'),
      );
    });
}
