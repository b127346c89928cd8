import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** What {@link writeMultiLabelImages} wrote. */
export interface MultiLabelFixture {
  /** `labels.csv` (`image,labels`, paths relative to its folder, labels separated by spaces). */
  csv: string;
  /** The same images as class folders: an image with two labels is in both folders. */
  folder: string;
  /** Label names, sorted. */
  labels: string[];
  /** Every image (relative to the CSV's folder) with its labels. */
  rows: { image: string; labels: string[] }[];
}

/**
 * A small multi-label set made at test time from real photos (the shared ants/bees set):
 * `count` ants and `count` bees, each labelled with its species, every second one tinted red
 * (label `red`) and every other pair darkened (label `dark`, applied after the tint), so an image
 * carries one to three labels and `red`/`dark` are learnable even by a tiny random backbone
 * (ants vs bees at 16×16 is not). Images are 48×48 JPEGs so decoding stays cheap.
 */
export async function writeMultiLabelImages(options: {
  /** Where `images/`, `labels.csv` and `folders/` go. */
  directory: string;
  /** The ants/bees folder (`<GRAFT_SHARED_DIR>/data/hymenoptera`). */
  hymenoptera: string;
  /** Images per species. */
  count: number;
}): Promise<MultiLabelFixture> {
  const images = join(options.directory, 'images');
  const folder = join(options.directory, 'folders');
  await mkdir(images, { recursive: true });
  const rows: MultiLabelFixture['rows'] = [];
  for (const [species, source] of [
    ['ant', 'ants'],
    ['bee', 'bees'],
  ] as const) {
    const from = join(options.hymenoptera, 'train', source);
    const files = (await readdir(from)).filter((file) => file.endsWith('.jpg')).sort();
    for (const [index, file] of files.slice(0, options.count).entries()) {
      const red = index % 2 === 1;
      const dark = Math.floor(index / 2) % 2 === 1;
      let image = sharp(join(from, file)).resize(48, 48, { fit: 'cover' });
      if (red) image = image.linear([1, 0.25, 0.25], [60, 0, 0]);
      if (dark) image = image.linear(0.3, 0);
      const name = `${species}-${index}.jpg`;
      await writeFile(join(images, name), await image.jpeg({ quality: 90 }).toBuffer());
      rows.push({
        image: `images/${name}`,
        labels: [species, ...(red ? ['red'] : []), ...(dark ? ['dark'] : [])],
      });
    }
  }
  for (const row of rows) {
    for (const label of row.labels) {
      await mkdir(join(folder, label), { recursive: true });
      await copyFile(
        join(options.directory, row.image),
        join(folder, label, row.image.slice('images/'.length)),
      );
    }
  }
  const csv = join(options.directory, 'labels.csv');
  await writeFile(
    csv,
    `image,labels\n${rows.map((row) => `${row.image},${row.labels.join(' ')}`).join('\n')}\n`,
  );
  return { csv, folder, labels: ['ant', 'bee', 'dark', 'red'], rows };
}
