import type { Command } from 'commander';
import { exitCodes } from '../exit-codes.js';
import type { CommandOutput } from '../output.js';

/** `graft demo`: the README's main job. */
export function registerDemoCommand(program: Command, output: CommandOutput): void {
  program
    .command('demo')
    .description('train MobileNetV2 on the ants/bees set and print validation accuracy')
    .action(() => {
      output.error(
        'graft demo: not yet — the trainer (@graft/trainer) has not landed. ' +
          'It will train MobileNetV2 on ants/bees and print validation accuracy.',
      );
      process.exitCode = exitCodes.notImplemented;
    });
}
