/**
 * Whether `--backbone` names a model file rather than a registered backbone: registered names
 * never contain a path separator or end in `.json`, so `./my_model`, `a/model.json` and
 * `model.json` are files.
 */
export function isModelFileReference(backbone: string): boolean {
  return /[\\/]/.test(backbone) || /\.json$/i.test(backbone);
}

/** `--weights` value meaning "the weights stored in the `--backbone` model file". */
export const modelFileWeights = 'model';
