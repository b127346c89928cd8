import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeBatch, FileFormatError, type ImageBatch } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { makeImageFolder } from '../testing/make-image-folder.js';
import { FileImageDataset } from './file-image-dataset.js';
import { readMultiLabelCsv } from './read-multi-label-csv.js';
import { scanMultiLabelFolder } from './scan-multi-label-folder.js';

const roots: string[] = [];
async function folder(files: Parameters<typeof makeImageFolder>[0]): Promise<string> {
  const root = await makeImageFolder(files);
  roots.push(root);
  return root;
}
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function csvIn(root: string, text: string, name = 'labels.csv'): Promise<string> {
  const path = join(root, name);
  await writeFile(path, text);
  return path;
}

describe('readMultiLabelCsv', () => {
  it('reads delimited labels into sorted label sets, quoting and paths relative to the CSV', async () => {
    const root = await folder({ 'img/a.png': [4, 4], 'img/b.png': [4, 4], 'img/c.png': [4, 4] });
    const csv = await csvIn(
      root,
      'image,labels\nimg/a.png,insect ant\n"img/b.png","bee insect bee"\n\nimg/c.png, bee \n',
    );
    const result = await readMultiLabelCsv({ csv });
    expect(result.classNames).toEqual(['ant', 'bee', 'insect']);
    expect(result.columns).toEqual({ image: 'image', labels: 'labels' });
    expect(result.files.map((file) => file.path)).toEqual(
      ['a', 'b', 'c'].map((name) => join(root, 'img', `${name}.png`)),
    );
    expect(result.files.map((file) => file.labelSet)).toEqual([[0, 2], [1, 2], [1]]);
    expect(result.files.map((file) => file.label)).toEqual([0, 1, 1]);
  });

  it('takes other column names, a label delimiter and an images folder', async () => {
    const root = await folder({ 'pictures/a.png': [4, 4] });
    const csv = await csvIn(root, 'id;file;tags\n1;a.png;x|y\n');
    const result = await readMultiLabelCsv({
      csv,
      imagesRoot: join(root, 'pictures'),
      fieldDelimiter: ';',
      imageColumn: 'file',
      labelColumn: 'tags',
      labelDelimiter: '|',
    });
    expect(result.classNames).toEqual(['x', 'y']);
    expect(result.files[0]?.path).toBe(join(root, 'pictures', 'a.png'));
  });

  it('names the file, the line and the value of every problem', async () => {
    const root = await folder({ 'a.png': [4, 4], 'b.png': [4, 4] });
    const cases: [string, RegExp, Parameters<typeof readMultiLabelCsv>[0]?][] = [
      ['image,labels\na.png,x\nmissing.png,y\n', /line 3: image ".*missing\.png" does not exist/],
      ['image,labels\na.png,x\nb.png,\n', /line 3: image "b\.png" has an empty labels cell/],
      ['image,labels\na.png,x\nnotes.txt,y\n', /line 3: "notes\.txt" is not read as an image/],
      [
        'image,labels\na.png,x\na.png,y\n',
        /line 3: image "a\.png" is listed again \(first on line 2\)/,
      ],
      ['picture,labels\na.png,x\n', /line 1: no image column; the header has "picture", "labels"/],
      [
        'image,labels\na.png,x\n',
        /line 1: no column "tags" \(the labels column\)/,
        { csv: '', labelColumn: 'tags' },
      ],
      [
        'image,labels\na.png,x z\n',
        /line 2: unknown label "z"; the labels are x, y/,
        { csv: '', classNames: ['x', 'y'] },
      ],
      ['image,labels\n', /has a header but no image rows/],
    ];
    for (const [text, message, extra] of cases) {
      const csv = await csvIn(root, text);
      const error = await readMultiLabelCsv({ ...extra, csv }).catch((caught: unknown) => caught);
      expect(FileFormatError.isInstance(error), text).toBe(true);
      expect((error as Error).message).toContain(csv);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('scanMultiLabelFolder', () => {
  it('gives an image every class folder that holds a copy of its bytes', async () => {
    const root = await folder({ 'ant/1.png': [4, 4], 'bee/2.png': [4, 4], 'bee/3.png': [4, 4] });
    const ant = await readFile(join(root, 'ant/1.png'));
    const bee = await readFile(join(root, 'bee/2.png'));
    await makeCopy(join(root, 'insect/one.png'), ant);
    await makeCopy(join(root, 'insect/two.png'), bee);
    const scan = await scanMultiLabelFolder({ root });
    expect(scan.classNames).toEqual(['ant', 'bee', 'insect']);
    expect(scan.multiLabelImages).toBe(2);
    expect(scan.files.map((file) => [file.path.slice(root.length + 1), file.labelSet])).toEqual([
      ['ant/1.png', [0, 2]],
      ['bee/2.png', [1, 2]],
      ['bee/3.png', [1]],
    ]);
  });

  it('reports a plain class folder as single-label', async () => {
    const root = await folder({ 'a/1.png': [4, 4], 'b/2.png': [4, 4] });
    expect((await scanMultiLabelFolder({ root })).multiLabelImages).toBe(0);
  });
});

describe('FileImageDataset with multiLabel', () => {
  it('streams [N, C] multi-hot labels that follow the shuffled order, without leaking tensors', async () => {
    const root = await folder({ 'a.png': [6, 6], 'b.png': [6, 6], 'c.png': [6, 6] });
    const csv = await csvIn(root, 'image,labels\na.png,x z\nb.png,y\nc.png,x y z\n');
    const { files, classNames } = await readMultiLabelCsv({ csv });
    const dataset = new FileImageDataset({
      files,
      classNames,
      imageSize: [4, 4],
      multiLabel: true,
    });
    const expected = new Map([
      [join(root, 'a.png'), [1, 0, 1]],
      [join(root, 'b.png'), [0, 1, 0]],
      [join(root, 'c.png'), [1, 1, 1]],
    ]);
    const read = async () => {
      const rows: [string, number[]][] = [];
      for await (const batch of dataset.batches({ batchSize: 2, shuffle: true, seed: 3 })) {
        expect(batch.labels.shape).toEqual([batch.images.shape[0], 3]);
        expect(batch.labels.dtype).toBe('float32');
        const labels = (await batch.labels.array()) as number[][];
        for (const [index, row] of labels.entries()) {
          rows.push([batch.sources?.[index] as string, row]);
        }
        disposeBatch(batch as ImageBatch);
      }
      return rows;
    };
    const rows = await expectNoTensorLeaks(read);
    expect(rows).toHaveLength(3);
    for (const [source, row] of rows) expect(row).toEqual(expected.get(source));
    const subset = dataset.subset([2]);
    expect(subset.multiLabel).toBe(true);
    expect(subset.labelSets()).toEqual([[0, 1, 2]]);
    expect(dataset.withOptions({ imageSize: [2, 2] }).multiLabel).toBe(true);
  });

  it('refuses a multiLabel file list without label sets, naming the file', () => {
    expect(
      () =>
        new FileImageDataset({
          files: [{ path: '/x/a.png', label: 0 }],
          classNames: ['x'],
          imageSize: [4, 4],
          multiLabel: true,
        }),
    ).toThrow(/files\[\]\.labelSet.*\/x\/a\.png/);
  });
});

async function makeCopy(path: string, bytes: Uint8Array): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}
