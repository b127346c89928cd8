// Test fixture: a real run directory written by the trainer's own code (train, the JSONL
// logger, evaluate, saveClassifier) on a tiny backbone and images saved as BMP files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BatchOptions, type ImageBatch, type ImageDataset, SeededRandom } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import { createHead } from '@graft/heads';
import { adam, calibrateHead, evaluate, train } from '@graft/trainer';
import { jsonLinesLogger, saveClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import { encodeBmp } from './write-bmp.js';

const classColours: Record<string, [number, number, number]> = {
  red: [210, 50, 40],
  green: [50, 180, 70],
  blue: [40, 70, 210],
};

/** Images held in memory, each also written to disk (its `source`) so the gallery can show it. */
class FileBackedDataset implements ImageDataset {
  readonly classNames = Object.keys(classColours);
  constructor(
    readonly pixels: Uint8Array[],
    private readonly labelList: number[],
    readonly files: string[],
    private readonly side: number,
  ) {}
  get size(): number {
    return this.pixels.length;
  }
  labels(): readonly number[] {
    return this.labelList;
  }
  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    const order = this.pixels.map((_, index) => index);
    if (options.shuffle)
      new SeededRandom(`${options.seed ?? 0}:${options.epoch ?? 0}`).shuffle(order);
    for (let start = 0; start < order.length; start += options.batchSize) {
      const rows = order.slice(start, start + options.batchSize);
      const data = new Float32Array(rows.length * this.side * this.side * 3);
      for (const [index, row] of rows.entries()) {
        data.set(this.pixels[row] as Uint8Array, index * this.side * this.side * 3);
      }
      yield {
        images: tf.tensor4d(data, [rows.length, this.side, this.side, 3]),
        labels: tf.tensor1d(
          rows.map((row) => this.labelList[row] as number),
          'int32',
        ),
        keys: rows.map((row) => this.files[row] as string),
        sources: rows.map((row) => this.files[row] as string),
      };
    }
  }
}

async function writeDataset(options: {
  directory: string;
  count: number;
  seed: number;
  side: number;
  noise: number;
}) {
  const random = new SeededRandom(options.seed);
  const names = Object.keys(classColours);
  const pixels: Uint8Array[] = [];
  const labels: number[] = [];
  const files: string[] = [];
  for (let index = 0; index < options.count; index++) {
    const label = index % names.length;
    const name = names[label] as string;
    const colour = classColours[name] as [number, number, number];
    const image = new Uint8Array(options.side * options.side * 3);
    for (let value = 0; value < image.length; value++) {
      image[value] = Math.round(
        Math.min(
          255,
          Math.max(
            0,
            (colour[value % 3] as number) + random.uniform(-options.noise, options.noise),
          ),
        ),
      );
    }
    const file = join(options.directory, name, `${index}.bmp`);
    await mkdir(join(options.directory, name), { recursive: true });
    await writeFile(file, encodeBmp(image, options.side, options.side));
    pixels.push(image);
    labels.push(label);
    files.push(file);
  }
  return new FileBackedDataset(pixels, labels, files, options.side);
}

/** Options of {@link writeTestRun}. */
export interface WriteTestRunOptions {
  /** The run directory to create. */
  runDir: string;
  /** Where the BMP images go. */
  dataDir: string;
  /** Epochs. */
  epochs: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Seed of data and weights. */
  seed: number;
}

/**
 * Trains a tiny classifier and writes `config.json`, `logs/history.jsonl`, `report.json`
 * (validation evaluation with misclassified images) and `model/`, as `graft train` does.
 * Returns the validation image paths and the class names.
 */
export async function writeTestRun(options: WriteTestRunOptions): Promise<{
  validationFiles: string[];
  validationPixels: Uint8Array[];
  side: number;
  classNames: string[];
  /** The temperature the saved model applies (1: not calibrated). */
  temperature: number;
}> {
  const side = 32;
  const trainData = await writeDataset({
    directory: join(options.dataDir, 'train'),
    count: 30,
    seed: options.seed,
    side,
    noise: 150,
  });
  const validationData = await writeDataset({
    directory: join(options.dataDir, 'val'),
    count: 24,
    seed: options.seed + 1,
    side,
    noise: 150,
  });
  const config = {
    backbone: 'tiny',
    mode: 'feature-extraction',
    epochs: options.epochs,
    batchSize: 8,
    learningRate: options.learningRate,
    seed: options.seed,
  };
  await mkdir(join(options.runDir, 'logs'), { recursive: true });
  await writeFile(join(options.runDir, 'config.json'), JSON.stringify(config, null, 2));
  const backbone = tinyBackbone({ inputSize: [side, side], featureDim: 8, seed: options.seed });
  const head = createHead('linear', {
    featureDim: backbone.featureDim,
    numClasses: 3,
    seed: options.seed,
  });
  try {
    const result = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: 'feature-extraction',
      epochs: options.epochs,
      batchSize: 8,
      optimizer: adam({ learningRate: options.learningRate }),
      callbacks: [jsonLinesLogger({ path: join(options.runDir, 'logs', 'history.jsonl') })],
      seed: options.seed,
    });
    const validation = await evaluate({ backbone, head, data: validationData });
    // Calibrated on the validation split, as `graft train` does by default.
    const calibration = await calibrateHead({ backbone, head, data: validationData });
    await saveClassifier({
      directory: join(options.runDir, 'model'),
      backbone,
      head,
      classNames: validationData.classNames,
      ...(calibration.metadata ? { calibration: calibration.metadata } : {}),
    });
    await writeFile(
      join(options.runDir, 'report.json'),
      JSON.stringify(
        { validation, history: result.history, stopReason: result.stopReason },
        null,
        2,
      ),
    );
    return {
      validationFiles: validationData.files,
      validationPixels: validationData.pixels,
      side,
      classNames: [...validationData.classNames],
      temperature: calibration.metadata?.temperature ?? 1,
    };
  } finally {
    head.dispose();
    backbone.dispose();
  }
}
