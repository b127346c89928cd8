import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitCodes } from '../exit-codes.js';
import {
  describeInterruptSignal,
  type InterruptSignalName,
} from '../interrupt/interrupt-signal.js';
import type { CommandOutput } from '../output.js';
import type { RunDirectory } from '../run/run-directory.js';
import { lastCheckpointDirectory } from './checkpoints.js';

/** After Ctrl-C or SIGTERM: says which epoch is saved and how to resume, and returns 130. */
export async function reportInterruptedRun(
  run: RunDirectory,
  output: CommandOutput,
  interrupted: InterruptSignalName | undefined,
): Promise<number> {
  const last = await lastCheckpointDirectory(run).catch(() => undefined);
  const saved =
    last === undefined
      ? undefined
      : await readFile(join(last, 'checkpoint.json'), 'utf8')
          .then((text) => (JSON.parse(text) as { epoch?: number }).epoch)
          .catch(() => undefined);
  const by = interrupted ? ` by ${describeInterruptSignal(interrupted)}` : '';
  output.error(
    saved === undefined
      ? `graft: interrupted${by} before the first epoch finished; nothing to resume. Run graft train again (${run.root}).`
      : `graft: interrupted${by}. Epoch ${saved} is saved in ${last}; continue with: graft resume ${run.root}`,
  );
  return exitCodes.interrupted;
}
