import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import {
  FileFormatError,
  GraftError,
  type ImageBatch,
  type ImageDataset,
  InvalidArgumentError,
  type ResizePolicy,
} from '@graft/core';
import type { DatasetBatchOptions } from '../pipeline/batch-options.js';
import { streamBatches } from '../pipeline/stream-batches.js';
import { resizeDecoded } from './decode-image.js';

/** One CIFAR data file. */
export interface CifarFile {
  path: string;
  /** Global number of its first record. */
  firstRecord: number;
  /** Records in the file. */
  count: number;
}

/** What `openCifar` hands a {@link CifarDataset}: the files, the split's records and the decode settings. */
export interface CifarDatasetInit {
  files: readonly CifarFile[];
  recordBytes: number;
  labelBytes: number;
  classNames: readonly string[];
  /** Global record numbers of this dataset's items. */
  records: readonly number[];
  /** Labels of every record in the files (by global record number). */
  allLabels: readonly number[];
  imageSize: readonly [number, number];
  resize: ResizePolicy;
  concurrency: number;
  prefetchBatches: number;
}

/**
 * A CIFAR split as an {@link ImageDataset}. Keys are the sha1 of each image's 3072 pixel bytes;
 * sources are `<file>#<record>`.
 */
export class CifarDataset implements ImageDataset {
  readonly classNames: readonly string[];
  readonly imageSize: readonly [number, number];
  private readonly labelList: readonly number[];

  constructor(private readonly init: CifarDatasetInit) {
    this.classNames = init.classNames;
    this.imageSize = init.imageSize;
    this.labelList = init.records.map((record) => init.allLabels[record] as number);
  }

  get size(): number {
    return this.init.records.length;
  }

  labels(): readonly number[] {
    return this.labelList;
  }

  /** A dataset over `indices` of this one, in that order. */
  subset(indices: readonly number[]): CifarDataset {
    const records = indices.map((index) => {
      const record = this.init.records[index];
      if (!Number.isInteger(index) || record === undefined) {
        throw new InvalidArgumentError({
          argument: 'indices',
          value: index,
          expected: `must hold integers in [0, ${this.size - 1}]`,
        });
      }
      return record;
    });
    return new CifarDataset({ ...this.init, records });
  }

  async *batches(options: DatasetBatchOptions): AsyncGenerator<ImageBatch> {
    const handles = new Map<string, Promise<FileHandle>>();
    const handleFor = (path: string): Promise<FileHandle> => {
      let handle = handles.get(path);
      if (handle === undefined) {
        handle = open(path, 'r');
        handles.set(path, handle);
      }
      return handle;
    };
    try {
      yield* streamBatches({
        batch: options,
        labels: this.labelList,
        sourceOf: (index) => {
          const { file, local } = this.locate(index);
          return `${file.path}#${local}`;
        },
        load: async (index) => {
          const { file, local } = this.locate(index);
          const record = Buffer.alloc(this.init.recordBytes);
          const handle = await handleFor(file.path);
          const { bytesRead } = await handle.read(
            record,
            0,
            record.length,
            local * this.init.recordBytes,
          );
          if (bytesRead !== record.length) {
            throw new FileFormatError({
              file: file.path,
              problem: `record ${local} is truncated (file changed since it was opened?)`,
            });
          }
          const planar = record.subarray(this.init.labelBytes);
          const key = createHash('sha1').update(planar).digest('hex');
          const rgb = planarToInterleaved(planar);
          const pixels = await resizeDecoded(
            { width: 32, height: 32, data: rgb },
            `${file.path}#${local}`,
            {
              imageSize: this.imageSize,
              resize: this.init.resize,
            },
          );
          return { pixels, key };
        },
        imageSize: this.imageSize,
        onBadImage: 'error',
        concurrency: this.init.concurrency,
        prefetchBatches: this.init.prefetchBatches,
      });
    } finally {
      for (const handle of handles.values()) {
        await handle.then((opened) => opened.close()).catch(() => undefined);
      }
    }
  }

  private locate(index: number): { file: CifarFile; local: number } {
    const record = this.init.records[index] as number;
    for (const file of this.init.files) {
      if (record < file.firstRecord + file.count) return { file, local: record - file.firstRecord };
    }
    throw new GraftError({ code: 'INTERNAL', message: `CIFAR record ${record} is in no file` });
  }
}

/** Planar `[3][32][32]` to interleaved `[32][32][3]`. */
function planarToInterleaved(planar: Uint8Array): Uint8Array {
  const pixels = 1024;
  const rgb = new Uint8Array(pixels * 3);
  for (let pixel = 0; pixel < pixels; pixel++) {
    rgb[pixel * 3] = planar[pixel] as number;
    rgb[pixel * 3 + 1] = planar[pixels + pixel] as number;
    rgb[pixel * 3 + 2] = planar[2 * pixels + pixel] as number;
  }
  return rgb;
}
