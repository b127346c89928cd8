// Imbalance benchmark (issue 26): a seeded 10:1 subset of the ants/bees training folder (120
// ants, 12 bees, symlinked into a temporary folder; the data is never copied into the repo),
// MobileNetV2 1.0 frozen features, a linear head trained with the CLI's defaults (10 epochs,
// Adam 1e-3, batch 32) and each loss variant, evaluated on the full validation split (70 ants,
// 83 bees). The last epoch is evaluated (no best-epoch selection: the validation split is the
// test set here). Accuracy figures, so machine load does not matter.
//
// Run: node --conditions=@graft/source --import tsx tooling/bench/imbalance/imbalance-benchmark.ts
// (or `pnpm bench:imbalance`). Environment: GRAFT_SHARED_DIR (data), GRAFT_MIRROR (weights),
// IMBALANCE_SEEDS (default 5), IMBALANCE_OUT (JSON results, default bench-results/imbalance.json),
// IMBALANCE_LR (Adam learning rate, default 1e-3), IMBALANCE_VARIANTS (comma-separated variant
// numbers from 1, default all).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createBackbone } from '@graft/backbones';
import { SeededRandom } from '@graft/core';
import { openImageFolder } from '@graft/datasets/node';
import { linearHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import {
  adam,
  type ClassificationLoss,
  type ClassWeightSetting,
  crossEntropy,
  focalLoss,
  MemoryFeatureStore,
  train,
} from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';

const shared = process.env.GRAFT_SHARED_DIR ?? '/work/shared';
const source = join(shared, 'data/hymenoptera');
const seeds = Number(process.env.IMBALANCE_SEEDS ?? 5);
const counts = { ants: 120, bees: 12 };
const output = resolve(process.env.IMBALANCE_OUT ?? 'bench-results/imbalance.json');
const learningRate = Number(process.env.IMBALANCE_LR ?? 1e-3);

interface Variant {
  name: string;
  loss?: ClassificationLoss;
  classWeight?: ClassWeightSetting;
  labelSmoothing?: number;
}
const allVariants: Variant[] = [
  { name: 'plain cross-entropy' },
  { name: '--class-weight balanced', classWeight: 'balanced' },
  { name: '--loss focal:gamma=2', loss: focalLoss({ gamma: 2 }) },
  {
    name: '--loss focal:gamma=2 --class-weight balanced',
    loss: focalLoss({ gamma: 2 }),
    classWeight: 'balanced',
  },
  {
    name: '--class-weight balanced --label-smoothing 0.1',
    classWeight: 'balanced',
    labelSmoothing: 0.1,
  },
];

const chosen = process.env.IMBALANCE_VARIANTS?.split(',').map(Number);
const variants = chosen
  ? allVariants.filter((_, index) => chosen.includes(index + 1))
  : allVariants;

/** Symlinks a seeded `count` images per class of `train/` into `<root>/train`, and all of `val/`. */
function buildSubset(root: string, seed: number): void {
  rmSync(root, { recursive: true, force: true });
  const random = new SeededRandom(seed);
  for (const [className, count] of Object.entries(counts)) {
    const folder = join(source, 'train', className);
    // Only JPEGs: the folder also holds a placeholder GIF the loader would skip anyway.
    const files = readdirSync(folder)
      .filter((name) => /\.jpe?g$/i.test(name))
      .sort();
    const chosen = random.permutation(files.length).slice(0, count);
    mkdirSync(join(root, 'train', className), { recursive: true });
    for (const index of chosen) {
      const name = files[index] as string;
      symlinkSync(join(folder, name), join(root, 'train', className, name));
    }
  }
  for (const className of Object.keys(counts)) {
    const folder = join(source, 'val', className);
    mkdirSync(join(root, 'val', className), { recursive: true });
    for (const name of readdirSync(folder))
      symlinkSync(join(folder, name), join(root, 'val', className, name));
  }
}

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance =
    values.length > 1
      ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1)
      : 0;
  return { mean, std: Math.sqrt(variance) };
}

async function main(): Promise<void> {
  await initBackend({ prefer: 'wasm' });
  const backbone = await createBackbone('mobilenet_v2_1.0_224', {
    pretrained: true,
    // The CLI's MobileNetV2 resize (apps/cli/src/pipeline/defaults.ts).
    resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
  });
  // Features are keyed by file content, so every seed's subset reuses the images featurised before.
  const store = new MemoryFeatureStore();
  const temporary = mkdtempSync(join(tmpdir(), 'graft-imbalance-'));
  const root = join(temporary, 'hymenoptera-10to1');
  const results: Array<Record<string, unknown>> = [];
  try {
    for (let seed = 0; seed < seeds; seed++) {
      buildSubset(root, seed);
      const folder = await openImageFolder({
        root,
        imageSize: backbone.preprocessing.inputSize,
        resize: backbone.preprocessing.resize,
        onBadImage: 'skip',
      });
      const trainData = folder.dataset('train');
      const validationData = folder.dataset('val');
      for (const variant of variants) {
        const head = linearHead({ featureDim: backbone.featureDim, numClasses: 2, seed });
        const optimizer = adam({ learningRate });
        const started = Date.now();
        const result = await train({
          backbone,
          head,
          trainData,
          validationData,
          mode: 'feature-extraction',
          epochs: 10,
          batchSize: 32,
          optimizer,
          seed,
          featureStore: store,
          loss: variant.loss ?? crossEntropy(),
          ...(variant.classWeight ? { classWeight: variant.classWeight } : {}),
          ...(variant.labelSmoothing ? { labelSmoothing: variant.labelSmoothing } : {}),
        });
        const report = result.validation;
        if (!report) throw new Error('no validation report');
        const bees = report.perClass.find((entry) => entry.className === 'bees');
        const row = {
          seed,
          variant: variant.name,
          accuracy: report.accuracy,
          balancedAccuracy: report.balancedAccuracy,
          macroF1: report.macroF1,
          beeRecall: bees?.recall,
          trainImages: trainData.size,
          validationImages: report.count,
          seconds: (Date.now() - started) / 1000,
        };
        results.push(row);
        console.log(JSON.stringify(row));
        optimizer.dispose();
        head.dispose();
      }
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true });
    backbone.dispose();
  }
  const summary = variants.map((variant) => {
    const rows = results.filter((row) => row.variant === variant.name);
    const pick = (key: string) => meanStd(rows.map((row) => row[key] as number));
    return {
      variant: variant.name,
      accuracy: pick('accuracy'),
      balancedAccuracy: pick('balancedAccuracy'),
      macroF1: pick('macroF1'),
      beeRecall: pick('beeRecall'),
    };
  });
  const format = ({ mean, std }: { mean: number; std: number }) =>
    `${(mean * 100).toFixed(1)} ± ${(std * 100).toFixed(1)}`;
  const table = [
    `| variant (${seeds} seeds, Adam ${learningRate}) | accuracy % | balanced accuracy % | macro-F1 % | bee recall % |`,
    '|---|---:|---:|---:|---:|',
    ...summary.map(
      (entry) =>
        `| \`${entry.variant}\` | ${format(entry.accuracy)} | ${format(entry.balancedAccuracy)} | ${format(entry.macroF1)} | ${format(entry.beeRecall)} |`,
    ),
  ].join('\n');
  console.log(table);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(
    output,
    `${JSON.stringify({ counts, seeds, learningRate, results, summary, table }, null, 1)}\n`,
  );
}

await main();
