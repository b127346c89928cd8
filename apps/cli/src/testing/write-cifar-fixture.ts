import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** CIFAR-10's record: 1 label byte, then 32×32 pixels as 1024 red, 1024 green, 1024 blue bytes. */
const side = 32;
const pixels = side * side;

/** Options of {@link writeCifarFixture}. */
export interface CifarFixtureOptions {
  /** Folder that receives `cifar-10-batches-bin/` (e.g. `<GRAFT_CACHE_DIR>/cifar`). */
  directory: string;
  /** Folders of real images, one per class; class i gets label i. At most 10. */
  classes: ReadonlyArray<{ name: string; folder: string }>;
  /** Images per class in the training batches (spread over data_batch_1 … 5). */
  trainPerClass: number;
  /** Images per class in test_batch.bin (the images after the training ones). */
  testPerClass: number;
}

/**
 * Writes a CIFAR-10 subset in the layout the official `cifar-10-binary.tar.gz` extracts to:
 * `cifar-10-batches-bin/data_batch_{1..5}.bin`, `test_batch.bin` (records of a label byte and
 * 3072 channel-planar pixel bytes) and `batches.meta.txt` (10 label names, one per line; labels
 * no class uses are named `unused-<i>`). Images are real photos downscaled to 32×32 by sharp
 * (stretched, as CIFAR's were), in file-name order. Returns the `cifar-10-batches-bin` folder.
 */
export async function writeCifarFixture(options: CifarFixtureOptions): Promise<string> {
  const folder = join(options.directory, 'cifar-10-batches-bin');
  await mkdir(folder, { recursive: true });
  const train: Buffer[] = [];
  const test: Buffer[] = [];
  for (const [label, { folder: source }] of options.classes.entries()) {
    const files = (await readdir(source))
      .filter((name) => /\.(jpe?g|png|bmp)$/i.test(name))
      .sort()
      .slice(0, options.trainPerClass + options.testPerClass);
    if (files.length < options.trainPerClass + options.testPerClass) {
      throw new Error(`${source} has ${files.length} images, fewer than the fixture needs`);
    }
    for (const [index, name] of files.entries()) {
      const record = await cifarRecord(join(source, name), label);
      (index < options.trainPerClass ? train : test).push(record);
    }
  }
  // Interleave the classes, as the real batches mix them, and deal them over the five batches.
  const order = interleave(train, options.classes.length);
  const batches = 5;
  for (let batch = 0; batch < batches; batch++) {
    const records = order.filter((_, index) => index % batches === batch);
    await writeFile(join(folder, `data_batch_${batch + 1}.bin`), Buffer.concat(records));
  }
  await writeFile(join(folder, 'test_batch.bin'), Buffer.concat(test));
  const names = Array.from(
    { length: 10 },
    (_, index) => options.classes[index]?.name ?? `unused-${index}`,
  );
  await writeFile(join(folder, 'batches.meta.txt'), `${names.join('\n')}\n\n`);
  return folder;
}

/** One record: the label byte, then the red, green and blue planes of the 32×32 image. */
async function cifarRecord(file: string, label: number): Promise<Buffer> {
  const rgb = await sharp(file)
    .rotate()
    .resize(side, side, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  const record = Buffer.alloc(1 + 3 * pixels);
  record[0] = label;
  for (let pixel = 0; pixel < pixels; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      record[1 + channel * pixels + pixel] = rgb[pixel * 3 + channel] as number;
    }
  }
  return record;
}

/** Records grouped by class (class after class) reordered as class 0, 1, …, 0, 1, … */
function interleave(records: readonly Buffer[], classes: number): Buffer[] {
  const perClass = records.length / classes;
  const result: Buffer[] = [];
  for (let index = 0; index < perClass; index++) {
    for (let label = 0; label < classes; label++) {
      result.push(records[label * perClass + index] as Buffer);
    }
  }
  return result;
}
