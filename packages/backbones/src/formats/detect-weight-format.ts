import type { WeightSource } from '@graft/core';

/** A weight file format Graft reads. */
export type WeightFormat = WeightSource['format'];

/** Recognises one weight format from the first bytes of a file. */
export interface WeightFormatDetector {
  /** The format recognised. */
  format: WeightFormat;
  /** How users know it, for error messages, e.g. `Keras HDF5 weights (.h5)`. */
  description: string;
  /** Whether `head` (the file's first bytes, at least {@link detectionHeadBytes} when the file is longer) is this format. */
  detect(head: Uint8Array): boolean;
}

/** How many leading bytes detection needs (HDF5 may start after a 2 KiB user block). */
export const detectionHeadBytes = 4096;

const hdf5Signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Offset of the HDF5 signature (0, 512, 1024, 2048 …: a user block may precede it), if any. */
export function hdf5SignatureOffset(bytes: Uint8Array): number | undefined {
  for (let offset = 0; offset + 8 <= bytes.byteLength; offset = offset === 0 ? 512 : offset * 2) {
    if (hdf5Signature.every((byte, index) => bytes[offset + index] === byte)) return offset;
  }
  return undefined;
}

/** Index of the first byte that is not JSON whitespace or a UTF-8 byte-order mark. */
function firstNonBlank(bytes: Uint8Array, from = 0): number {
  let index = from;
  if (bytes[index] === 0xef && bytes[index + 1] === 0xbb && bytes[index + 2] === 0xbf) index += 3;
  while (index < bytes.byteLength && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[index] ?? 0)) index++;
  return index;
}

/**
 * Detectors in the order they are tried: the binary signatures first, since a safetensors
 * header is JSON too (after its 8-byte length).
 */
export const weightFormatDetectors: readonly WeightFormatDetector[] = [
  {
    format: 'keras-h5',
    description: 'Keras HDF5 weights (.h5)',
    detect: (head) => hdf5SignatureOffset(head) !== undefined,
  },
  {
    format: 'pytorch',
    description: 'PyTorch torch.save checkpoint (.pth/.pt, zip)',
    // A zip whose first entry is `<archive>/data.pkl`, as torch.save (≥ 1.6) writes it.
    detect(head) {
      if (!(head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04))
        return false;
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      if (head.byteLength < 30) return false;
      const nameLength = view.getUint16(26, true);
      const name = new TextDecoder().decode(head.subarray(30, 30 + nameLength));
      return /(^|\/)data\.pkl$/.test(name);
    },
  },
  {
    format: 'safetensors',
    description: 'safetensors (.safetensors)',
    detect(head) {
      if (head.byteLength < 9) return false;
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      // 8-byte little-endian header length, then the JSON header itself.
      const headerLength = view.getBigUint64(0, true);
      return headerLength > 1n && headerLength < 100_000_000n && head[8] === 0x7b;
    },
  },
  {
    format: 'tfjs-layers',
    description: 'TF.js LayersModel (model.json, or the folder holding it)',
    // A JSON object; whether it is a LayersModel is checked on the parsed file.
    detect: (head) => head[firstNonBlank(head)] === 0x7b,
  },
];

/** The format of a file from its first bytes, or `undefined` when no detector recognises it. */
export function detectWeightFormat(head: Uint8Array): WeightFormat | undefined {
  return weightFormatDetectors.find((detector) => detector.detect(head))?.format;
}

/** "Keras HDF5 weights (.h5), safetensors (.safetensors), …" for the given formats. */
export function describeWeightFormats(formats: readonly WeightFormat[]): string {
  return weightFormatDetectors
    .filter((detector) => formats.includes(detector.format))
    .map((detector) => detector.description)
    .join(', ');
}

/** Signatures of files people often pass by mistake, to say what was found instead. */
const otherSignatures: ReadonlyArray<{ bytes: readonly number[]; offset: number; what: string }> = [
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    offset: 0,
    what: 'a ZIP archive without a PyTorch checkpoint inside (a Keras 3 .keras file?)',
  },
  { bytes: [0x80], offset: 0, what: 'a Python pickle (a legacy PyTorch .pth?)' },
  { bytes: [0x54, 0x46, 0x4c, 0x33], offset: 4, what: 'a TFLite flatbuffer (.tflite)' },
  { bytes: [0xff, 0xd8, 0xff], offset: 0, what: 'a JPEG image' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], offset: 0, what: 'a PNG image' },
  { bytes: [0x1f, 0x8b], offset: 0, what: 'a gzip archive' },
];

/** What a file that no detector recognises looks like, e.g. `a ZIP archive (…)` or its first bytes. */
export function describeUnknownBytes(head: Uint8Array): string {
  if (head.byteLength === 0) return 'an empty file';
  const match = otherSignatures.find((signature) =>
    signature.bytes.every((byte, index) => head[signature.offset + index] === byte),
  );
  if (match) return match.what;
  const start = head.subarray(0, 32);
  // Printable ASCII and whitespace: a text file (README, CSV, labels …); show its start.
  if (
    start.every(
      (byte) => (byte >= 0x20 && byte < 0x7f) || byte === 0x0a || byte === 0x0d || byte === 0x09,
    )
  ) {
    return `text starting with ${JSON.stringify(new TextDecoder().decode(start.subarray(0, 24)))}`;
  }
  const hex = [...head.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0'));
  return `unrecognised content starting with bytes ${hex.join(' ')}`;
}
