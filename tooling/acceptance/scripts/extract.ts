// Experiment helper (not part of CI): featurise ants/bees once per model/resize policy, clean and
// mirrored, and write the tables to /tmp/graft-acc for fast head experiments.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomFlip } from '@graft/augmentation';
import { createBackbone } from '@graft/backbones';
import { openImageFolder } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import { extractFeatures } from '@graft/trainer';
import { DiskFeatureStore } from '@graft/trainer/node';

const [model = 'mobilenet_v2_0.35_224', policy = 'center-crop'] = process.argv.slice(2);
const shared = process.env.GRAFT_SHARED_DIR ?? '/work/shared';
process.env.GRAFT_MIRROR ??= join(shared, 'weights');
await initBackend({ prefer: 'wasm' });
const backbone = await createBackbone(
  model,
  model.includes('0.35') ? ({ weightSource: 'teachable-machine' } as never) : {},
);
const folder = await openImageFolder({
  root: join(shared, 'data/hymenoptera'),
  imageSize: backbone.preprocessing.inputSize,
  resize:
    policy === 'stretch'
      ? { mode: 'stretch', interpolation: 'bilinear' }
      : { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
});
const out = join('/tmp/graft-acc', `${model}-${policy}`);
mkdirSync(out, { recursive: true });
const store = new DiskFeatureStore({ directory: join(out, 'store') });
const flip = randomFlip({ probability: 1 });
for (const split of ['train', 'val'] as const) {
  for (const flipped of [false, true]) {
    const started = performance.now();
    const { table } = await extractFeatures({
      backbone,
      data: folder.dataset(split),
      batchSize: 32,
      store,
      ...(flipped ? { augmentation: flip } : {}),
    });
    const name = `${split}${flipped ? '-flip' : ''}`;
    writeFileSync(join(out, `${name}.f32`), Buffer.from(table.features.buffer));
    writeFileSync(
      join(out, `${name}.labels.json`),
      JSON.stringify({ featureDim: table.featureDim, labels: [...table.labels] }),
    );
    console.log(name, table.count, ((performance.now() - started) / 1000).toFixed(1), 's');
  }
}
