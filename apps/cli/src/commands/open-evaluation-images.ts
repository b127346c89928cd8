import { type ImageDataset, InvalidArgumentError, type Preprocessing } from '@graft/core';
import { openImageFolder } from '@graft/datasets/node';

/**
 * `--eval-data`'s images as the model sees them (its preprocessing): the folder's `test` split,
 * else `val`, else its class folders. Fails naming `--eval-data` when its classes are not the
 * model's labels, in the same order.
 */
export async function openEvaluationImages(options: {
  /** Image folder. */
  evalData: string;
  /** The model's labels. */
  labels: readonly string[];
  /** The model's preprocessing. */
  preprocessing: Preprocessing;
}): Promise<ImageDataset> {
  const { evalData, labels, preprocessing } = options;
  const folder = await openImageFolder({
    root: evalData,
    imageSize: preprocessing.inputSize,
    resize: preprocessing.resize,
    onBadImage: 'skip',
  });
  const data =
    folder.layout === 'splits'
      ? folder.dataset(folder.splitNames.includes('test') ? 'test' : 'val')
      : folder.dataset();
  if (data.classNames.join('\n') !== labels.join('\n')) {
    throw new InvalidArgumentError({
      argument: '--eval-data',
      value: evalData,
      expected: `must hold the classes the model was trained on (${labels.join(', ')}); found ${data.classNames.join(', ')}`,
    });
  }
  return data;
}
