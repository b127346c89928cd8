import type { WeightFormat } from '../formats/detect-weight-format.js';

/** A weights file whose bytes Graft knows, identified by sha256, with what is known about it. */
export interface KnownWeightFile {
  /** sha256 (hex) of the weight bytes: the `.h5` or `.safetensors` file, or a TF.js model's concatenated shards. */
  sha256: string;
  /** Format of the file. */
  format: WeightFormat;
  /** Short identity, e.g. `teachable-machine`, also used in `weightsId`. */
  name: string;
  /** The canonical URL the file stands for. */
  url: string;
  /** Licence, as its source states it. */
  license: string;
  /** One line on where the bytes come from and how they relate to the canonical file. */
  description: string;
}

const tmName = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';
const kerasBase = 'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2';

/**
 * Weight files identified by content. Only a file whose hash is listed here gets a licence and a
 * canonical source in its provenance; any other file is recorded as just its path, format and
 * hash. The entries are the shared weights mirror's files (see its README): none is
 * byte-identical to the hosted original, so each says what it is.
 */
export const knownWeightFiles: readonly KnownWeightFile[] = [
  {
    sha256: 'e159deb3afa15bc63a53edb3eb31d0d6de1a25f0d8d72d9b8372b5088a902a8a',
    format: 'tfjs-layers',
    name: 'teachable-machine',
    url: `https://storage.googleapis.com/teachable-machine-models/${tmName}/model.json`,
    license:
      'Keras-applications ImageNet weights as hosted by Teachable Machine (no licence stated)',
    description:
      'Teachable Machine MobileNetV2 0.35 base, taken from two Teachable Machine exports (values identical to the hosted base, shard not byte-compared)',
  },
  {
    sha256: '27208485b20dc5323acde9998159a25abfe52f06a5da10128b2cbd2c063b1236',
    format: 'keras-h5',
    name: 'imagenet',
    url: `${kerasBase}/${tmName}.h5`,
    license:
      'Keras-applications ImageNet weights as hosted by Teachable Machine (no licence stated)',
    description:
      'the Teachable Machine MobileNetV2 0.35 base re-laid into Keras HDF5 (same values; not the canonical keras-applications file)',
  },
  {
    sha256: 'c6b1bec02218b4bf29047ee27cf30072de37d866d6bca612ca5e13336e2f6850',
    format: 'keras-h5',
    name: 'tf-slim-quant-derived',
    url: `${kerasBase}/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5`,
    license: 'Apache-2.0',
    description:
      "derived from Coral's mobilenet_v2_1.0_224_quant.tflite (TF-slim, dequantized uint8, BatchNorm folded); not the Keras ImageNet weights",
  },
];

/** The known file with this sha256, if any. */
export function knownWeightFile(sha256: string): KnownWeightFile | undefined {
  return knownWeightFiles.find((file) => file.sha256 === sha256);
}
