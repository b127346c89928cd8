import { Command, CommanderError } from 'commander';
import { registerAdaptCommand } from './commands/adapt.js';
import { registerAugmentCommand } from './commands/augment-preview.js';
import { registerBackbonesCommand } from './commands/backbones.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerCacheCommand } from './commands/cache.js';
import { registerDataCommand } from './commands/data-inspect.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDistillCommand } from './commands/distill.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerExportCommand } from './commands/export.js';
import { registerLrFindCommand } from './commands/lr-find.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerResumeCommand } from './commands/resume.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTrainCommand } from './commands/train.js';
import { registerUiCommand } from './commands/ui.js';
import { registerWorkerCommand } from './commands/worker.js';
import { describeError } from './describe-error.js';
import { exitCodeForError, exitCodes } from './exit-codes.js';
import { type CommandOutput, createOutput, type OutputOptions } from './output.js';
import { setPreferredBackend } from './pipeline/select-backend.js';
import { version } from './version.js';

/** A command module: adds its sub-command to the program. */
export type CommandRegistration = (program: Command, output: CommandOutput) => void;

/** Every command, in help order. New commands are added here, one file each. */
export const commandRegistrations: readonly CommandRegistration[] = [
  registerTrainCommand,
  registerDistillCommand,
  registerResumeCommand,
  registerEvalCommand,
  registerAdaptCommand,
  registerPredictCommand,
  registerExplainCommand,
  registerExportCommand,
  registerLrFindCommand,
  registerDemoCommand,
  registerBackbonesCommand,
  registerDataCommand,
  registerAugmentCommand,
  registerBenchCommand,
  registerUiCommand,
  registerServeCommand,
  registerDoctorCommand,
  registerCacheCommand,
  registerWorkerCommand,
];

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Arguments after the executable and script, e.g. `['doctor', '--json']`. */
  arguments: readonly string[];
  /** Output sinks (tests capture them). */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Runs the `graft` command line and resolves to its exit code (it never calls `process.exit`). */
export async function runCli(options: RunCliOptions): Promise<number> {
  const program = new Command('graft');
  const outputOptions = (): OutputOptions => ({
    ...program.opts<{ quiet?: boolean; verbose?: boolean; json?: boolean }>(),
    stdout: options.stdout,
    stderr: options.stderr,
  });
  const output = createOutput(outputOptions);
  program
    .version(version, '-V, --version')
    .description('Graft: transfer learning on TensorFlow.js')
    .option('-q, --quiet', 'print results only')
    .option('-v, --verbose', 'print details')
    .option('--json', 'machine-readable output')
    .option(
      '--backend <name>',
      'tfjs backend: node-gpu, node, wasm or cpu (default: the first that works; GRAFT_BACKEND)',
    )
    .hook('preAction', () => {
      setPreferredBackend(program.opts<{ backend?: string }>().backend);
    })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (options.stdout ?? ((t) => process.stdout.write(t)))(text),
      writeErr: (text) => (options.stderr ?? ((t) => process.stderr.write(t)))(text),
    });
  for (const register of commandRegistrations) register(program, output);

  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync([...options.arguments], { from: 'user' });
    return Number(process.exitCode ?? exitCodes.success);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return exitCodes.success;
      return exitCodes.usage;
    }
    output.error(describeError(error, output.isVerbose));
    const exitCode = exitCodeForError(error);
    if (output.json) {
      // Scripts reading stdout get the failure as JSON too.
      const code = (error as { code?: unknown } | undefined)?.code;
      output.result(
        JSON.stringify({
          error: {
            code: typeof code === 'string' ? code : 'INTERNAL',
            message: error instanceof Error ? error.message : String(error),
            exitCode,
          },
        }),
      );
    }
    return exitCode;
  } finally {
    process.exitCode = previousExitCode;
  }
}
