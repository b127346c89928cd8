import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';
import { defaultBackboneName } from '../pipeline/defaults.js';
import { parseExtractionWorkers } from '../pipeline/extraction-workers.js';
import { engineOption, parseFeatureEngine } from '../pipeline/feature-engine.js';
import { parseNumberFlag } from '../pipeline/load-loss-terms.js';
import { runTraining } from '../pipeline/run-training.js';
import { addTrainingFlags, backboneLabel, type TrainFlags, trainConfigFrom } from './train.js';

/** Flags of `graft distill`: the training flags plus the teacher's. */
interface DistillFlags extends TrainFlags {
  teacher: string;
  temperature?: string;
  alpha?: string;
}

/**
 * `graft distill --teacher <run> --backbone <name> <data>`: trains a (smaller) student with the
 * classic distillation loss against a trained Graft classifier, through the same pipeline and
 * flags as `graft train`.
 */
export function registerDistillCommand(program: Command, output: CommandOutput): void {
  const command = program
    .command('distill')
    .description(
      'train a student backbone + head from a trained teacher run (knowledge distillation), e.g. --teacher runs/big --backbone mobilenet_v2_0.35_224',
    )
    .argument('[data]', 'image folder, or cifar10 / cifar100 (may come from --config)')
    .requiredOption(
      '--teacher <run>',
      'run directory of the teacher (what graft train wrote: model/ with metadata.json)',
    )
    .option('--temperature <T>', 'softmax temperature of the soft term, > 0 (default 4)')
    .option(
      '--alpha <a>',
      'weight of the soft term in [0, 1]; 1 - alpha weighs the labels (default 0.5)',
    )
    .option('-c, --config <file>', 'JSON or YAML file of the training options (flags override it)')
    .option(
      '--split <fractions>',
      'train,val[,test] fractions for a folder without val/ (default 0.8,0.1,0.1)',
    )
    .option(
      '--extraction-workers <n>',
      'threads computing frozen features (default auto; 1 = this thread)',
    )
    .option(...engineOption);
  addTrainingFlags(command).action(async (data: string | undefined, flags: DistillFlags) => {
    const temperature = parseNumberFlag('--temperature', flags.temperature);
    const alpha = parseNumberFlag('--alpha', flags.alpha);
    // A student run next to the plain one, not over it.
    const out =
      flags.out ??
      (data !== undefined
        ? join(
            'runs',
            `${basename(resolve(data)) || 'data'}-${backboneLabel(flags.backbone ?? defaultBackboneName)}-distilled`,
          )
        : undefined);
    const config = await trainConfigFrom(data, { ...flags, ...(out ? { out } : {}) });
    process.exitCode = await runTraining({
      config,
      output,
      extractionWorkers: parseExtractionWorkers(flags.extractionWorkers),
      engine: parseFeatureEngine(flags.engine),
      overwrite: flags.overwrite === true,
      command: 'graft distill',
      featureCache: flags.cache !== false,
      lossTerms: {
        teacher: flags.teacher,
        ...(temperature !== undefined ? { temperature } : {}),
        ...(alpha !== undefined ? { alpha } : {}),
      },
    });
  });
}
