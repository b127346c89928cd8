// Experiment helper (not part of CI): the 1.0 acceptance run through the real trainer with a
// given seed / stage-2 learning rate / unfreeze point; stage-1 features from a disk cache.
import { randomFlip } from '@graft/augmentation';
import { createBackbone, type MobileNetV2Options } from '@graft/backbones';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { adam, earlyStopping, evaluate, train } from '@graft/trainer';
import { DiskFeatureStore } from '@graft/trainer/node';
import { centerCrop, openHymenoptera, useSharedMirror } from '../src/hymenoptera.js';

const seed = Number(process.argv[2] ?? 1);
const configs = (process.argv[3] ?? '1e-5:block_16').split(',').map((text) => text.split(':'));
process.env.GRAFT_SHARED_DIR ??= '/work/shared';
useSharedMirror();
await initBackend({ prefer: 'wasm' });
const backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_1.0_224', {
  resize: centerCrop,
});
const folder = await openHymenoptera(backbone.preprocessing);
const trainData = folder.dataset('train');
const validationData = folder.dataset('val');
const featureStore = new DiskFeatureStore({ directory: '/tmp/graft-acc/store-100' });
const initial = backbone.model.layers.map((layer) =>
  layer.getWeights().map((weight) => weight.clone()),
);
for (const [lr = '1e-5', unfreezeFrom = 'block_16', epochs = '2'] of configs) {
  for (const [index, layer] of backbone.model.layers.entries())
    layer.setWeights(initial[index] ?? []);
  const head = createHead('linear', { featureDim: backbone.featureDim, numClasses: 2, seed });
  const frozen = await train({
    backbone,
    head,
    trainData,
    validationData,
    mode: 'feature-extraction',
    augmentation: randomFlip(),
    augmentedPasses: 2,
    epochs: 10,
    batchSize: 32,
    optimizer: adam({ learningRate: 1e-3 }),
    seed,
    featureStore,
  });
  const stopping = earlyStopping({
    monitor: 'val_accuracy',
    patience: 1,
    restoreBestWeights: true,
  });
  const started = performance.now();
  const unfrozen = await train({
    backbone,
    head,
    trainData,
    validationData,
    mode: 'fine-tune',
    unfreezeFrom,
    augmentation: randomFlip(),
    initialEpoch: 10,
    epochs: 10 + Number(epochs),
    batchSize: 16,
    microBatchSize: 8,
    optimizer: adam({ learningRate: Number(lr) }),
    callbacks: [stopping],
    seed,
  });
  const report = await evaluate({ backbone, head, data: validationData });
  console.log(
    `seed ${seed} lr ${lr} from ${unfreezeFrom}: stage1 ${frozen.validation?.accuracy.toFixed(3)} stage2 ${unfrozen.history.map((l) => l.val_accuracy?.toFixed(3)).join(' ')} final ${report.accuracy.toFixed(3)} (${((performance.now() - started) / 1000).toFixed(0)} s stage 2)`,
  );
  head.dispose();
}
