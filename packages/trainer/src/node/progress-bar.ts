import cliProgress from 'cli-progress';
import { type ProgressUpdate, progressTracker } from '../callbacks/progress.js';
import type { TrainerCallback } from '../callbacks/trainer-context.js';

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Where bars are drawn. Default `process.stderr`. */
  stream?: NodeJS.WriteStream;
  /** Draw even when the stream is not a TTY. Default `false` (quiet in CI and pipes). */
  force?: boolean;
  /** Metrics shown after the bar. Default `loss`, `accuracy`, `val_loss`, `val_accuracy`. */
  metrics?: readonly string[];
}

/**
 * A terminal progress display: one bar for feature extraction passes and one per epoch, with
 * images/s, ETA and the latest metrics, drawn with `cli-progress`. Quiet (draws nothing) when
 * the stream is not a TTY unless `force`; the CLI can print epoch lines from the logs instead.
 */
export function progressBar(options: ProgressBarOptions = {}): TrainerCallback {
  const stream = options.stream ?? process.stderr;
  const enabled = options.force === true || stream.isTTY === true;
  const metrics = options.metrics ?? ['loss', 'accuracy', 'val_loss', 'val_accuracy'];
  let bar: cliProgress.SingleBar | undefined;
  let barKey = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
    barKey = '';
  };
  const render = (update: ProgressUpdate) => {
    if (!enabled) return;
    if (update.phase === 'end') {
      stop();
      return;
    }
    const key =
      update.phase === 'extract' ? `extract:${String(update.pass)}` : `epoch:${update.epoch}`;
    const label =
      update.phase === 'extract'
        ? `features ${update.pass === 'validation' ? 'val' : `pass ${Number(update.pass) + 1}`}`
        : `epoch ${update.epoch + 1}/${update.epochs}`;
    const payload = {
      label,
      speed: update.imagesPerSecond.toFixed(1),
      eta: Number.isFinite(update.etaSeconds) ? `${Math.round(update.etaSeconds)}s` : '?',
      metrics: metrics
        .filter((name) => update.logs[name] !== undefined)
        .map((name) => `${name} ${(update.logs[name] as number).toFixed(4)}`)
        .join('  '),
    };
    if (key !== barKey) {
      stop();
      barKey = key;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: '{label} [{bar}] {value}/{total} | {speed} img/s | eta {eta} | {metrics}',
          hideCursor: false,
          clearOnComplete: false,
          noTTYOutput: options.force === true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(update.total, 1), update.done, payload);
    } else {
      bar?.setTotal(Math.max(update.total, 1));
      bar?.update(update.done, payload);
    }
  };
  const tracker = progressTracker(render);
  return { ...tracker, name: 'progress-bar' };
}
