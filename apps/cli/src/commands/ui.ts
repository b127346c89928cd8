import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { startDashboardServer } from '@graft/web';
import type { Command } from 'commander';
import { parseInteger } from '../config/parse-values.js';
import { waitForStopSignal } from '../interrupt/wait-for-stop-signal.js';
import type { CommandOutput } from '../output.js';

interface UiFlags {
  host: string;
  port: string;
}

/**
 * `graft ui [runs-dir]`: serves the web dashboard over the run directories until Ctrl-C. The
 * server is `@graft/web`'s: read-only, bound to 127.0.0.1 unless `--host` says otherwise.
 */
export function registerUiCommand(program: Command, output: CommandOutput): void {
  program
    .command('ui')
    .description('serve the runs dashboard, playground and in-browser training (Ctrl-C stops)')
    .argument('[runs-dir]', 'folder of run directories', 'runs')
    .option(
      '--host <address>',
      'address to bind (0.0.0.0 exposes the runs to the network)',
      '127.0.0.1',
    )
    .option('--port <n>', 'port (0 picks a free one)', '6006')
    .action(async (runsDirectory: string, flags: UiFlags) => {
      const port = parseInteger('--port', flags.port, { minimum: 0, maximum: 65_535 });
      const runsDir = resolve(runsDirectory);
      if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) {
        throw new InvalidArgumentError({
          argument: 'runs-dir',
          value: runsDirectory,
          expected:
            'must be an existing folder of run directories (graft train --out <folder>/<name>)',
        });
      }
      const server = await startDashboardServer({ runsDir, host: flags.host, port });
      output.result(`graft ui: serving ${runsDir} at ${server.url} (Ctrl-C stops)`);
      await waitForStopSignal();
      await server.close();
      output.info('graft ui: stopped');
    });
}
