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
  /**
   * One entry per class (class i gets label i; at most 10): folders of real images for the
   * training batches and for test_batch.bin.
   */
  classes: ReadonlyArray<{ name: string; train: string; test: string }>;
  /** At most this many images per class and split (the first by file name). Default: all. */
  limit?: number;
}

/**
 * Writes a CIFAR-10 subset in the layout the official `cifar-10-binary.tar.gz` extracts to:
 * `cifar-10-batches-bin/data_batch_{1..5}.bin`, `test_batch.bin` (records of a label byte and
 * 3072 channel-planar pixel bytes) and `batches.meta.txt` (10 label names, one per line; labels
 * no class uses are named `unused-<i>`). Images are real photos downscaled to 32×32 by sharp
 * (stretched, as CIFAR's were). Returns the `cifar-10-batches-bin` folder.
 */
export async function writeCifarFixture(options: CifarFixtureOptions): Promise<string> {
  const folder = join(options.directory, 'cifar-10-batches-bin');
  await mkdir(folder, { recursive: true });
  const train: Buffer[][] = [];
  const test: Buffer[][] = [];
  for (const [label, source] of options.classes.entries()) {
    train.push(await records(source.train, label, options.limit));
    test.push(await records(source.test, label, options.limit));
  }
  // Interleave the classes, as the real batches mix them, and deal them over the five batches.
  const order = interleave(train);
  const batches = 5;
  for (let batch = 0; batch < batches; batch++) {
    const part = order.filter((_, index) => index % batches === batch);
    await writeFile(join(folder, `data_batch_${batch + 1}.bin`), Buffer.concat(part));
  }
  await writeFile(join(folder, 'test_batch.bin'), Buffer.concat(interleave(test)));
  const names = Array.from(
    { length: 10 },
    (_, index) => options.classes[index]?.name ?? `unused-${index}`,
  );
  await writeFile(join(folder, 'batches.meta.txt'), `${names.join('\n')}\n\n`);
  return folder;
}

/** The records of a folder's JPEG/PNG/BMP images, in file-name order. */
async function records(source: string, label: number, limit?: number): Promise<Buffer[]> {
  const files = (await readdir(source))
    .filter((name) => /\.(jpe?g|png|bmp)$/i.test(name))
    .sort()
    .slice(0, limit);
  if (files.length === 0) throw new Error(`${source} holds no JPEG, PNG or BMP images`);
  return Promise.all(files.map((name) => cifarRecord(join(source, name), label)));
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

/** Each class's records dealt round-robin (class 0, 1, …, 0, 1, …) until all are used. */
function interleave(byClass: readonly Buffer[][]): Buffer[] {
  const result: Buffer[] = [];
  const longest = Math.max(...byClass.map((records) => records.length));
  for (let index = 0; index < longest; index++) {
    for (const records of byClass) {
      const record = records[index];
      if (record !== undefined) result.push(record);
    }
  }
  return result;
}
