import { FileFormatError } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { allLayers } from '../freezing/batch-norm-policy.js';

/** Options of {@link assignWeightsByName}. */
export interface AssignWeightsByNameOptions {
  /** The model whose variables receive the values. */
  model: tfl.LayersModel;
  /** Values keyed by Keras weight name (`<layer>/<weight>`, e.g. `Conv1/kernel`). Not disposed. */
  tensors: ReadonlyMap<string, tf.Tensor>;
  /** The weights file, for error messages. */
  file: string;
  /** What the weights are loaded into, for error messages, e.g. `backbone mobilenet_v2_1.0_224`. Default: the model's name. */
  target?: string;
}

/** What {@link assignWeightsByName} did. */
export interface AssignWeightsReport {
  /** Number of model variables written. */
  assigned: number;
  /** Tensors in the file that the model has no variable for (e.g. a classifier the model lacks). */
  unused: string[];
}

/**
 * Copies `tensors` into `model`'s variables by Keras weight name (the variable's `originalName`,
 * `<layer>/<weight>`). Every variable must find a tensor of the same shape: all names and shapes
 * are checked first and nothing is written unless all match, so a wrong or truncated file never
 * leaves a half-loaded model (a {@link FileFormatError} lists what is missing or mismatched).
 */
export function assignWeightsByName(options: AssignWeightsByNameOptions): AssignWeightsReport {
  const { model, tensors, file } = options;
  const target = options.target ?? `model ${JSON.stringify(model.name)}`;
  const variables = allLayers(model).flatMap((layer) => layer.weights);
  const missing: string[] = [];
  const mismatched: string[] = [];
  const pairs: Array<[tfl.LayerVariable, tf.Tensor]> = [];
  for (const variable of variables) {
    const tensor = tensors.get(variable.originalName);
    if (tensor === undefined) {
      missing.push(variable.originalName);
      continue;
    }
    if (!sameShape(tensor.shape, variable.shape)) {
      mismatched.push(
        `${variable.originalName}: file [${tensor.shape.join(', ')}], model [${variable.shape.join(', ')}]`,
      );
      continue;
    }
    pairs.push([variable, tensor]);
  }
  if (missing.length > 0 || mismatched.length > 0) {
    const problems: string[] = [];
    if (missing.length > 0) {
      problems.push(`${missing.length} weight(s) of ${target} are missing: ${list(missing)}`);
    }
    if (mismatched.length > 0) problems.push(`shape mismatch: ${list(mismatched)}`);
    throw new FileFormatError({
      file,
      problem: `does not fit ${target}: ${problems.join('; ')}. No weight was loaded (wrong file for this architecture or options?)`,
    });
  }
  for (const [variable, tensor] of pairs) variable.write(tensor);
  const used = new Set(variables.map((variable) => variable.originalName));
  return { assigned: pairs.length, unused: [...tensors.keys()].filter((name) => !used.has(name)) };
}

function sameShape(a: readonly number[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((size, index) => size === b[index]);
}

function list(items: readonly string[]): string {
  return items.length > 8
    ? `${items.slice(0, 8).join(', ')} … (${items.length - 8} more)`
    : items.join(', ');
}
