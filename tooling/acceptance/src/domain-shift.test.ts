// Acceptance (issue 11, domain adaptation): a linear head on ants/bees (MobileNetV2 0.35,
// Teachable Machine weights, feature extraction, wasm) evaluated on the val split moved into
// target domains by `@graft/augmentation` ops, before and after AdaBN (BatchNorm statistics
// re-estimated on the target domain's TRAIN images, unlabelled) and with a head trained with the
// CORAL term (the target domain's train images as unlabelled target). Val images are never used
// for adaptation.
//
// Protocol: AdaBN assumes the source model's BatchNorm statistics are those of the source domain
// (Li et al. 2016). The pretrained backbone carries ImageNet's, so they are first re-estimated on
// the clean ants/bees train images (AdaBN to the source domain), then the head is trained; with
// ImageNet statistics AdaBN mixes two shifts (ImageNet → ants/bees and clean → target): measured
// separately by scripts/domain-shift-sweep.ts, see the README.
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import type { Backbone, Head, ImageDataset } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { cosineSchedule } from '@graft/schedulers';
import {
  adam,
  adaptBatchNorm,
  adaptClassifier,
  Classifier,
  coral,
  evaluateFeatures,
  exportClassifier,
  extractFeatures,
  type FeatureTable,
  type LossTerm,
  MemoryFeatureStore,
  train,
} from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifierAccuracy, DomainDataset, targetDomains } from './domain-shift.js';
import {
  acceptanceSeed,
  centerCrop,
  openHymenoptera,
  peakRssMiB,
  useSharedMirror,
} from './hymenoptera.js';

const seed = acceptanceSeed(7);
/** Weight λ of the CORAL term (GRAFT_CORAL_WEIGHT overrides it). */
const coralWeight = Number(process.env.GRAFT_CORAL_WEIGHT ?? 0.1);

interface Row {
  domain: string;
  before: number;
  /** Absent for the clean domain: the source statistics already are its statistics. */
  adabn?: number;
  coral?: number;
}

describe('domain shift on ants/bees: AdaBN and CORAL (MobileNetV2 0.35, wasm)', () => {
  let backbone: Backbone;

  beforeAll(async () => {
    useSharedMirror();
    const report = await initBackend({ prefer: 'wasm' });
    expect(report.chosen).toBe('wasm');
    backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.35_224', {
      weightSource: 'teachable-machine',
      resize: centerCrop,
    });
  });

  afterAll(() => {
    backbone?.dispose();
  });

  // About 3,900 images through the backbone: ~2.5 minutes on a quiet 2-core machine; the limit
  // leaves room for a loaded one.
  it('reports source, before, AdaBN and CORAL accuracy per target domain', {
    timeout: 900_000,
  }, async () => {
    const started = performance.now();
    const folder = await openHymenoptera(backbone.preprocessing);
    const trainData = folder.dataset('train');
    const validationData = folder.dataset('val');
    const classNames = trainData.classNames;
    // Source-domain BatchNorm statistics (see the protocol above).
    const calibration = await adaptBatchNorm({
      model: backbone.model,
      data: trainData,
      preprocessing: backbone.preprocessing,
    });
    // Clean train features are extracted once and reused by every CORAL run.
    const featureStore = new MemoryFeatureStore();

    // The recipe of the 0.35 feature-extraction acceptance run (Adam 1e-2, cosine, 20 epochs).
    const trainHead = async (lossTerms: readonly LossTerm[]): Promise<Head> => {
      const head = createHead('linear', {
        featureDim: backbone.featureDim,
        numClasses: classNames.length,
        seed,
      });
      const epochs = 20;
      const batchSize = 32;
      const optimizer = adam({ learningRate: 1e-2 });
      await train({
        backbone,
        head,
        trainData,
        mode: 'feature-extraction',
        epochs,
        batchSize,
        optimizer,
        schedule: cosineSchedule({
          initialLearningRate: 1e-2,
          totalSteps: Math.ceil(trainData.size / batchSize) * epochs,
        }),
        featureStore,
        lossTerms,
        seed,
      });
      optimizer.dispose();
      return head;
    };
    const accuracyOn = async (head: Head, table: FeatureTable) =>
      (await evaluateFeatures({ head, table, classNames })).accuracy;

    const head = await trainHead([]);
    // Composed backbone → head; shares the backbone's weights, so it is not disposed here.
    const source = new Classifier(exportClassifier({ backbone, head, classNames }));
    const trained = performance.now();
    const rows: Row[] = [];
    const seconds = { adabn: 0, coral: 0, evaluation: 0 };
    for (const domain of targetDomains()) {
      const targetTrain: ImageDataset = new DomainDataset(trainData, domain);
      const targetValidation: ImageDataset = new DomainDataset(validationData, domain);
      let mark = performance.now();
      const { table } = await extractFeatures({ backbone, data: targetValidation, batchSize: 32 });
      const before = await accuracyOn(head, table);
      seconds.evaluation += (performance.now() - mark) / 1000;
      if (domain.op === undefined) {
        // AdaBN on the clean train images would recompute the calibration exactly, and CORAL
        // between a domain and itself has nothing to align.
        rows.push({ domain: domain.name, before });
        continue;
      }

      mark = performance.now();
      const { classifier: adapted } = await adaptClassifier({
        classifier: source,
        method: 'adabn',
        data: targetTrain,
        batchSize: 32,
      });
      seconds.adabn += (performance.now() - mark) / 1000;
      mark = performance.now();
      const adabn = await classifierAccuracy(adapted, targetValidation);
      seconds.evaluation += (performance.now() - mark) / 1000;
      adapted.dispose();

      mark = performance.now();
      const coralHead = await trainHead([coral({ targetData: targetTrain, weight: coralWeight })]);
      seconds.coral += (performance.now() - mark) / 1000;
      const coralAccuracy = await accuracyOn(coralHead, table);
      coralHead.dispose();
      rows.push({ domain: domain.name, before, adabn, coral: coralAccuracy });
    }
    head.dispose();
    const total = (performance.now() - started) / 1000;

    const percent = (value: number | undefined) =>
      (value === undefined ? '—' : (value * 100).toFixed(1)).padStart(6);
    const signed = (value: number | undefined, before: number) =>
      (value === undefined
        ? ''
        : `${value >= before ? '+' : ''}${((value - before) * 100).toFixed(1)}`
      ).padStart(6);
    const table = [
      `domain            before  AdaBN    (Δ)  CORAL λ=${coralWeight}  (Δ)`,
      ...rows.map(
        (row) =>
          `${row.domain.padEnd(16)} ${percent(row.before)} ${percent(row.adabn)} ${signed(row.adabn, row.before)} ${percent(row.coral)} ${signed(row.coral, row.before)}`,
      ),
    ].join('\n');
    console.log(
      `[acceptance] domain shift, mobilenet_v2_0.35 TM (BatchNorm calibrated on ${calibration.imagesSeen} clean train images), ` +
        `seed ${seed}, ${validationData.size} val images, adapted on ${trainData.size} unlabelled target-domain train images:\n${table}\n` +
        `[acceptance] ${total.toFixed(1)} s after the backbone loaded: calibration + source head ${((trained - started) / 1000).toFixed(1)} s, ` +
        `AdaBN ${seconds.adabn.toFixed(1)} s (${rows.length - 1} × ${trainData.size} images), ` +
        `CORAL heads ${seconds.coral.toFixed(1)} s, evaluations ${seconds.evaluation.toFixed(1)} s; ` +
        `peak RSS ${peakRssMiB().toFixed(0)} MiB, backend ${tf.getBackend()}`,
    );

    const row = (name: string) => rows.find((item) => item.domain === name) as Row;
    const clean = row('clean');
    // With ants/bees BatchNorm statistics the clean head scores a little below the ImageNet-
    // statistics run of feature-extraction-mobilenet-v2-035 (0.889 vs 0.922 at seed 7).
    expect(clean.before).toBeGreaterThanOrEqual(0.85);
    // The dim, low-contrast domain really is shifted (−15 to −20 points), and AdaBN recovers
    // most of it (+14.3 / +17.0 / +18.3 points at seeds 7 / 1 / 2): asserted with 8 points.
    const dim = row('dim-low-contrast');
    expect(dim.before).toBeLessThan(clean.before - 0.05);
    expect(dim.adabn ?? 0).toBeGreaterThanOrEqual(dim.before + 0.08);
    // On the other domains AdaBN helped or changed little (worst −1.3 points, hue-saturation at
    // seed 1); it must never cost more than 5 points. CORAL is only reported: it does not help
    // reliably here (see the README).
    for (const item of rows) {
      if (item.adabn !== undefined) expect(item.adabn).toBeGreaterThanOrEqual(item.before - 0.05);
    }
    expect(rows.length).toBe(targetDomains().length);
  });
});
