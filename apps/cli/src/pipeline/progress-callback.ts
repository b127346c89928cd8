import type { CallbackContext, TrainLogs } from '@graft/core';
import type { TrainerCallback } from '@graft/trainer';
import { crashPoint } from '@graft/trainer/node';
import { formatNumber, type ProgressRenderer } from '../progress/progress-renderer.js';

/** Options of {@link progressCallback}. */
export interface ProgressCallbackOptions {
  /** Where bars or lines go. */
  progress: ProgressRenderer;
  /** Training images per epoch (the bar counts images, so the rate is images/s). */
  trainImages: number;
  /** Told each finished epoch's logs (for the run log). */
  onEpoch?: (epoch: number, logs: TrainLogs) => void | Promise<void>;
  /** Told the trainer's one-line notices (e.g. whether the frozen-prefix cache is used). */
  onNotice?: (message: string) => void;
  /** Whether features go through a feature cache: pass summaries then say how many came from it. */
  reportsCache?: boolean;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
}

/**
 * A trainer callback that drives the progress renderer: a bar (or lines) per featurising pass
 * and per epoch, each replaced by a one-line summary when it ends.
 */
export function progressCallback(options: ProgressCallbackOptions): TrainerCallback {
  const { progress } = options;
  const now = options.now ?? (() => performance.now());
  // Featurising starts when train() is called, before the first progress report arrives.
  let mark = now();
  let extraction:
    | { label: string; done: number; cached: number | undefined; lastAt: number }
    | undefined;
  let epochImages = options.trainImages;
  let images = 0;
  let lossSum = 0;
  const endExtraction = () => {
    if (!extraction) return;
    // A pass with unreadable images never reaches its total: it ended at its last report.
    const seconds = (extraction.lastAt - mark) / 1000;
    // With a feature cache, say how many came from it (`cached` is set only when there is one).
    const cached = extraction.cached;
    const source =
      cached === undefined ? '' : `, ${cached} from cache, ${extraction.done - cached} computed`;
    progress.stop(
      `${extraction.label}: ${extraction.done} img in ${seconds.toFixed(1)}s (${formatNumber(extraction.done / Math.max(seconds, 1e-9))} img/s)${source}`,
    );
    mark = extraction.lastAt;
    extraction = undefined;
  };
  return {
    name: 'progress',
    onNotice(message) {
      options.onNotice?.(message);
    },
    onExtractionProgress({ pass, done, total, cached }) {
      const label = pass === 'validation' ? 'features val' : `features pass ${pass + 1}`;
      if (extraction?.label !== label) {
        endExtraction();
        extraction = { label, done: 0, cached: undefined, lastAt: mark };
        progress.start({ label, total, unit: 'img', startedAt: mark });
      }
      extraction.done = done;
      extraction.cached = options.reportsCache ? cached : undefined;
      extraction.lastAt = now();
      progress.update(done);
      if (done >= total) endExtraction();
    },
    onEpochBegin(epoch: number, context: CallbackContext) {
      endExtraction();
      images = 0;
      lossSum = 0;
      progress.start({
        label: `epoch ${epoch + 1}/${context.epochs}`,
        total: epochImages,
        unit: 'img',
      });
    },
    onBatchEnd(_batch: number, logs: TrainLogs) {
      crashPoint('batch-end');
      const size = logs.size ?? 0;
      images += size;
      lossSum += (logs.loss ?? 0) * size;
      progress.update(images, { loss: lossSum / Math.max(images, 1) });
    },
    async onEpochEnd(epoch: number, logs: TrainLogs, context: CallbackContext) {
      // Unreadable images are left out: later epochs count what the first one saw.
      if (images > 0) epochImages = images;
      const parts = [`epoch ${epoch + 1}/${context.epochs}`];
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'images_per_second']) {
        const value = logs[key];
        if (value !== undefined) {
          parts.push(`${key === 'images_per_second' ? 'img/s' : key} ${formatNumber(value)}`);
        }
      }
      progress.stop(parts.join('  '));
      await options.onEpoch?.(epoch, logs);
    },
  };
}
