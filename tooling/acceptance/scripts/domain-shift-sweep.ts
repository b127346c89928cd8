// Experiment helper (not part of CI): the domain-shift acceptance numbers over several seeds and
// CORAL weights, from cached features (each domain's images go through the source and the
// AdaBN-adapted backbone once; heads then train on cached features).
// Run: node --conditions=@graft/source --import tsx scripts/domain-shift-sweep.ts
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import { disposeBatch, type ImageDataset, normalizeImages } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { cosineSchedule } from '@graft/schedulers';
import {
  adam,
  adaptBatchNorm,
  cloneModel,
  coral,
  extractFeatures,
  type FeatureTable,
  type LossTerm,
  MemoryFeatureStore,
  train,
} from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DomainDataset, targetDomains } from '../src/domain-shift.js';
import { centerCrop, openHymenoptera, useSharedMirror } from '../src/hymenoptera.js';

process.env.GRAFT_SHARED_DIR ??= '/work/shared';
useSharedMirror();
await initBackend({ prefer: 'wasm' });
const seeds = (process.env.SEEDS ?? '7,1,2').split(',').map(Number);
const weights = (process.env.CORAL_WEIGHTS ?? '1,10')
  .split(',')
  .filter((text) => text !== '')
  .map(Number);
const onlyDomains = process.env.DOMAINS?.split(',');
const strategies = (process.env.STRATEGIES ?? 'one-pass').split(',') as Array<
  'one-pass' | 'progressive'
>;
/** Adapt on the first N target train images only (progressive costs ~layers/2 passes). */
const adaptImages = Number(process.env.ADAPT_IMAGES ?? 0);

/** The first `count` images of `data` (whole batches of it, cut at `count`). */
function firstImages(data: ImageDataset, count: number): ImageDataset {
  if (!(count > 0) || count >= data.size) return data;
  return {
    classNames: data.classNames,
    size: count,
    labels: () => data.labels().slice(0, count),
    async *batches(options) {
      let seen = 0;
      for await (const batch of data.batches({ ...options, shuffle: false })) {
        const take = Math.min(batch.images.shape[0], count - seen);
        if (take <= 0) {
          disposeBatch(batch);
          continue;
        }
        if (take === batch.images.shape[0]) yield batch;
        else {
          yield {
            images: tf.slice(batch.images, 0, take),
            labels: tf.slice(batch.labels as tf.Tensor1D, 0, take),
          };
          disposeBatch(batch);
        }
        seen += take;
      }
    },
  };
}
const backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.35_224', {
  weightSource: 'teachable-machine',
  resize: centerCrop,
});
const folder = await openHymenoptera(backbone.preprocessing);
const trainData = folder.dataset('train');
const validationData = folder.dataset('val');
const store = new MemoryFeatureStore();
const started = performance.now();
const log = (text: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${text}`);

/** Pooled features of `model` (a backbone network) for every image. */
async function modelFeatures(model: tfl.LayersModel, data: ImageDataset): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  for await (const batch of data.batches({ batchSize: 32 })) {
    const output = tf.tidy(
      () => model.predict(normalizeImages(batch.images, backbone.preprocessing)) as tf.Tensor2D,
    );
    const values = (await output.data()) as Float32Array;
    const dim = output.shape[1];
    for (let row = 0; row < output.shape[0]; row++)
      rows.push(values.slice(row * dim, (row + 1) * dim));
    output.dispose();
    disposeBatch(batch);
  }
  return rows;
}

function accuracy(head: tfl.LayersModel, rows: Float32Array[], labels: readonly number[]): number {
  const dim = rows[0]?.length ?? 0;
  const flat = new Float32Array(rows.length * dim);
  for (const [index, row] of rows.entries()) flat.set(row, index * dim);
  const predicted = tf.tidy(() =>
    tf.argMax(head.predict(tf.tensor2d(flat, [rows.length, dim])) as tf.Tensor, 1),
  );
  const guesses = predicted.dataSync();
  predicted.dispose();
  let correct = 0;
  guesses.forEach((guess, index) => {
    if (guess === labels[index]) correct++;
  });
  return correct / rows.length;
}

function tableRows(table: FeatureTable): Float32Array[] {
  return Array.from({ length: table.count }, (_, row) =>
    table.features.slice(row * table.featureDim, (row + 1) * table.featureDim),
  );
}

async function trainHead(seed: number, lossTerms: readonly LossTerm[]) {
  const head = createHead('linear', {
    featureDim: backbone.featureDim,
    numClasses: trainData.classNames.length,
    seed,
  });
  const optimizer = adam({ learningRate: 1e-2 });
  await train({
    backbone,
    head,
    trainData,
    mode: 'feature-extraction',
    epochs: 20,
    batchSize: 32,
    optimizer,
    schedule: cosineSchedule({ initialLearningRate: 1e-2, totalSteps: 8 * 20 }),
    featureStore: store,
    lossTerms,
    seed,
  });
  optimizer.dispose();
  return head;
}

if (process.env.CALIBRATE === '1') {
  // Source-domain BatchNorm statistics (ants/bees train) instead of ImageNet's, before anything.
  await adaptBatchNorm({
    model: backbone.model,
    data: trainData,
    preprocessing: backbone.preprocessing,
  });
  log('backbone BatchNorm calibrated on clean train');
}
await extractFeatures({ backbone, data: trainData, batchSize: 32, store });
log('clean train features');
const labels = validationData.labels();
const domains = targetDomains().filter(
  (domain) => !onlyDomains || onlyDomains.includes(domain.name),
);
const cached: Record<string, { source: Float32Array[]; adapted: Float32Array[][] }> = {};
for (const domain of domains) {
  const targetTrain = new DomainDataset(trainData, domain);
  const targetValidation = new DomainDataset(validationData, domain);
  const source = tableRows(
    (await extractFeatures({ backbone, data: targetValidation, batchSize: 32, store })).table,
  );
  await extractFeatures({ backbone, data: targetTrain, batchSize: 32, store });
  const adapted: Float32Array[][] = [];
  const statistics: Float32Array[][] = [];
  let shifts: number[] = [];
  for (const strategy of strategies) {
    const adaptedModel = await cloneModel(backbone.model);
    const mark = performance.now();
    const report = await adaptBatchNorm({
      model: adaptedModel,
      data: firstImages(targetTrain, adaptImages),
      preprocessing: backbone.preprocessing,
      strategy,
    });
    log(
      `${domain.name}: ${strategy} on ${report.imagesSeen} images, ${report.passes} passes, ${((performance.now() - mark) / 1000).toFixed(1)} s`,
    );
    statistics.push(
      adaptedModel.weights
        .filter((weight) => /moving_/.test(weight.originalName))
        .map((weight) => weight.read().dataSync() as Float32Array),
    );
    adapted.push(await modelFeatures(adaptedModel, targetValidation));
    adaptedModel.dispose();
    shifts = report.layers.map((layer) => layer.standardizedMeanShift);
  }
  if (statistics.length === 2) {
    // Largest difference between the strategies' statistics, relative to the progressive value.
    let worst = 0;
    let worstName = 0;
    (statistics[0] ?? []).forEach((values, index) => {
      const other = statistics[1]?.[index] ?? values;
      values.forEach((value, channel) => {
        const reference = Math.abs(other[channel] ?? 0);
        const relative = Math.abs(value - (other[channel] ?? 0)) / Math.max(reference, 1e-2);
        if (relative > worst) {
          worst = relative;
          worstName = index;
        }
      });
    });
    log(
      `${domain.name}: largest relative statistic difference between strategies ${worst.toFixed(4)} (moving weight #${worstName})`,
    );
  }
  cached[domain.name] = { source, adapted };
  log(
    `${domain.name}: features done; standardized mean shift first layer ${shifts[0]?.toFixed(2)}, ` +
      `median ${[...shifts].sort((a, b) => a - b)[Math.floor(shifts.length / 2)]?.toFixed(2)}, last ${shifts.at(-1)?.toFixed(2)}`,
  );
}
for (const seed of seeds) {
  const head = await trainHead(seed, []);
  for (const domain of domains) {
    const features = cached[domain.name];
    if (!features) continue;
    const parts = [
      `seed ${seed} ${domain.name.padEnd(16)} before ${accuracy(head.model, features.source, labels).toFixed(3)}`,
      ...features.adapted.map(
        (rows, index) =>
          `adabn ${strategies[index]} ${accuracy(head.model, rows, labels).toFixed(3)}`,
      ),
    ];
    for (const weight of weights) {
      const coralHead = await trainHead(seed, [
        coral({ targetData: new DomainDataset(trainData, domain), weight }),
      ]);
      parts.push(
        `coral λ=${weight} ${accuracy(coralHead.model, features.source, labels).toFixed(3)}`,
      );
      coralHead.dispose();
    }
    log(parts.join('  '));
  }
  head.dispose();
}
