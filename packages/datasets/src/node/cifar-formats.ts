import { InvalidArgumentError } from '@graft/core';

/** The CIFAR variants. */
export type CifarVariant = 'cifar-10' | 'cifar-100';

/** The on-disk layout of a CIFAR binary version. */
export interface CifarFormat {
  /** Archive file name. */
  archive: string;
  /** Official URL of the archive. */
  url: string;
  /** md5 of the archive, as published on the CIFAR page (no sha256 is published). */
  md5: string;
  /** Folder the archive extracts to. */
  folder: string;
  /** Label bytes before each image: 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
  labelBytes: 1 | 2;
  /** Data files of each split. */
  files: { train: readonly string[]; test: readonly string[] };
  /** Label-name files: `fine` (or the only one) and, for CIFAR-100, `coarse`. */
  labelNameFiles: { fine: string; coarse?: string };
  /** Number of classes: fine and coarse. */
  classCount: { fine: number; coarse?: number };
}

/** Bytes of one image: 32 x 32 x 3, planar (all red, then green, then blue), rows top first. */
export const cifarImageBytes = 3072;

/** Layouts of CIFAR-10 and CIFAR-100 binary versions (https://www.cs.toronto.edu/~kriz/cifar.html). */
export const cifarFormats: Readonly<Record<CifarVariant, CifarFormat>> = {
  'cifar-10': {
    archive: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    folder: 'cifar-10-batches-bin',
    labelBytes: 1,
    files: {
      train: [
        'data_batch_1.bin',
        'data_batch_2.bin',
        'data_batch_3.bin',
        'data_batch_4.bin',
        'data_batch_5.bin',
      ],
      test: ['test_batch.bin'],
    },
    labelNameFiles: { fine: 'batches.meta.txt' },
    classCount: { fine: 10 },
  },
  'cifar-100': {
    archive: 'cifar-100-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    md5: '03b5dce01913d631647c71ecec9e9cb8',
    folder: 'cifar-100-binary',
    labelBytes: 2,
    files: { train: ['train.bin'], test: ['test.bin'] },
    labelNameFiles: { fine: 'fine_label_names.txt', coarse: 'coarse_label_names.txt' },
    classCount: { fine: 100, coarse: 20 },
  },
};

/** The format of `variant`; throws `InvalidArgumentError` listing the variants for any other. */
export function cifarFormatOf(variant: CifarVariant): CifarFormat {
  const format = cifarFormats[variant];
  if (format === undefined) {
    throw new InvalidArgumentError({
      argument: 'variant',
      value: variant,
      expected: `must be one of: ${Object.keys(cifarFormats).join(', ')}`,
    });
  }
  return format;
}
