import type { CallbackContext, TrainLogs } from '@graft/core';
import type { TrainerCallback } from './trainer-context.js';

/** What a progress display shows; plain data, rendered by the CLI or `progressBar` (node). */
export interface ProgressUpdate {
  /** `extract` while the frozen backbone featurises, `train` in epochs, `end` once done. */
  phase: 'extract' | 'train' | 'end';
  /** Feature extraction: the pass (`validation` or 0-based). */
  pass?: number | 'validation';
  /** 0-based epoch. */
  epoch: number;
  /** Epoch index training stops at. */
  epochs: number;
  /** Batches (or images, while extracting) done in this epoch/pass. */
  done: number;
  /** Batches per epoch (or images per pass). */
  total: number;
  /** Throughput in this epoch/pass so far. */
  imagesPerSecond: number;
  /** Estimated seconds left in this epoch/pass. */
  etaSeconds: number;
  /** Latest logs (batch logs in an epoch, epoch logs at its end). */
  logs: TrainLogs;
}

/**
 * A callback that turns trainer events into {@link ProgressUpdate}s (epoch/step counts, images/s,
 * ETA) for any renderer. Only tracks what it is told, never prints.
 */
export function progressTracker(onUpdate: (update: ProgressUpdate) => void): TrainerCallback {
  let epochStarted = 0;
  let images = 0;
  let epochs = 0;
  let passStarted = 0;
  let currentPass: number | 'validation' | undefined;
  const clock = () => globalThis.performance?.now() ?? Date.now();
  const rate = (count: number, started: number) =>
    count / Math.max((clock() - started) / 1000, 1e-9);
  return {
    name: 'progress',
    onExtractionProgress({ pass, done, total }) {
      if (pass !== currentPass) {
        currentPass = pass;
        passStarted = clock();
      }
      const perSecond = rate(done, passStarted);
      onUpdate({
        phase: 'extract',
        pass,
        epoch: 0,
        epochs,
        done,
        total,
        imagesPerSecond: perSecond,
        etaSeconds: (total - done) / Math.max(perSecond, 1e-9),
        logs: {},
      });
    },
    onTrainBegin(context: CallbackContext) {
      epochs = context.epochs;
    },
    onEpochBegin(epoch: number, context: CallbackContext) {
      epochStarted = clock();
      images = 0;
      onUpdate({
        phase: 'train',
        epoch,
        epochs: context.epochs,
        done: 0,
        total: context.stepsPerEpoch ?? 0,
        imagesPerSecond: 0,
        etaSeconds: Number.NaN,
        logs: {},
      });
    },
    onBatchEnd(batch: number, logs: TrainLogs, context: CallbackContext) {
      images += logs.size ?? 0;
      const done = batch + 1;
      const total = context.stepsPerEpoch ?? done;
      const elapsed = (clock() - epochStarted) / 1000;
      onUpdate({
        phase: 'train',
        epoch: context.epoch,
        epochs: context.epochs,
        done,
        total,
        imagesPerSecond: rate(images, epochStarted),
        etaSeconds: (elapsed / done) * Math.max(total - done, 0),
        logs,
      });
    },
    onEpochEnd(epoch: number, logs: TrainLogs, context: CallbackContext) {
      const total = context.stepsPerEpoch ?? 0;
      onUpdate({
        phase: 'train',
        epoch,
        epochs: context.epochs,
        done: total,
        total,
        imagesPerSecond: logs.images_per_second ?? rate(images, epochStarted),
        etaSeconds: 0,
        logs,
      });
    },
    onTrainEnd(logs: TrainLogs, context: CallbackContext) {
      onUpdate({
        phase: 'end',
        epoch: context.epoch,
        epochs: context.epochs,
        done: 0,
        total: 0,
        imagesPerSecond: 0,
        etaSeconds: 0,
        logs,
      });
    },
  };
}
