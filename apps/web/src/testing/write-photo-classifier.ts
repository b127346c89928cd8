// Test fixture: a real classifier run (MobileNetV2 0.35 ImageNet features from the shared mirror,
// centre-crop preprocessing as the CLI uses, a linear head trained on a few ants/bees photos),
// saved by the trainer's own saveClassifier, for checks that need real photos and a real network.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackbone } from '@graft/backbones';
import { FileImageDataset } from '@graft/datasets/node';
import { createHead } from '@graft/heads';
import { adam, train } from '@graft/trainer';
import { saveClassifier } from '@graft/trainer/node';

/** `count` JPEG photos of `split/className` in the shared ants/bees set, in name order. */
export async function sharedPhotos(options: {
  /** The shared assets folder (`GRAFT_SHARED_DIR`). */
  sharedDir: string;
  /** `train` or `val`. */
  split: string;
  /** `ants` or `bees`. */
  className: string;
  /** How many. */
  count: number;
}): Promise<string[]> {
  const folder = join(options.sharedDir, 'data', 'hymenoptera', options.split, options.className);
  const names = (await readdir(folder)).filter((name) => name.endsWith('.jpg')).sort();
  return names.slice(0, options.count).map((name) => join(folder, name));
}

/** Writes `<runDir>/model` (and a config.json) and returns the training photos used. */
export async function writePhotoClassifier(options: {
  /** Run directory to create. */
  runDir: string;
  /** The shared assets folder (`GRAFT_SHARED_DIR`). */
  sharedDir: string;
  /** Training photos per class. */
  perClass: number;
}): Promise<void> {
  const backbone = await createBackbone('mobilenet_v2_0.35_224', {
    pretrained: true,
    resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
    seed: 5,
  });
  const head = createHead('linear', { featureDim: backbone.featureDim, numClasses: 2, seed: 5 });
  try {
    const files = [];
    for (const [label, className] of ['ants', 'bees'].entries()) {
      const photos = await sharedPhotos({
        ...options,
        split: 'train',
        className,
        count: options.perClass,
      });
      files.push(...photos.map((path) => ({ path, label })));
    }
    await train({
      backbone,
      head,
      trainData: new FileImageDataset({
        files,
        classNames: ['ants', 'bees'],
        imageSize: backbone.preprocessing.inputSize,
        resize: backbone.preprocessing.resize,
      }),
      mode: 'feature-extraction',
      epochs: 15,
      batchSize: 8,
      optimizer: adam({ learningRate: 0.01 }),
      seed: 5,
    });
    await saveClassifier({
      backbone,
      head,
      classNames: ['ants', 'bees'],
      directory: join(options.runDir, 'model'),
    });
    await writeFile(
      join(options.runDir, 'config.json'),
      `${JSON.stringify({ backbone: 'mobilenet_v2_0.35_224' })}\n`,
    );
  } finally {
    head.dispose();
    backbone.dispose();
  }
}
