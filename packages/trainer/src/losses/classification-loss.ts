import { checkNonNegative, InvalidArgumentError, type JsonObject, Registry } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

const epsilon = 1e-7;

/**
 * The hard-label loss of a run, per element: `-Σ_c w_c · t_c · modulate(p_c) · log p_c`
 * summed over classes, before weighting and reduction (`hardLabelLoss` does those). Built by
 * {@link crossEntropy}, {@link focalLoss} or {@link createClassificationLoss}.
 */
export interface ClassificationLoss {
  /** Registered name, e.g. `cross-entropy` or `focal`. */
  readonly name: string;
  /**
   * `[N, C]` per-element loss `-t · factor(p) · log p` of softmax probabilities (clipped to
   * [1e-7, 1 − 1e-7]) and targets. Runs in `tf.tidy`; the caller disposes.
   */
  elementLoss(probabilities: tf.Tensor, targets: tf.Tensor): tf.Tensor2D;
  /** `{ name, ...options }`, for config.json and `createClassificationLoss`. */
  getConfig(): JsonObject;
}

/** Categorical cross-entropy: `-Σ_c t_c log p_c`. */
export function crossEntropy(): ClassificationLoss {
  return {
    name: 'cross-entropy',
    elementLoss: (probabilities, targets) =>
      tf.tidy(
        () =>
          tf.neg(
            tf.mul(targets, tf.log(tf.clipByValue(probabilities, epsilon, 1 - epsilon))),
          ) as tf.Tensor2D,
      ),
    getConfig: () => ({ name: 'cross-entropy' }),
  };
}

/** Options of {@link focalLoss}. */
export interface FocalLossOptions {
  /** Focusing parameter γ ≥ 0: `(1 − p)^γ` shrinks the loss of well-classified examples. Default 2. */
  gamma?: number;
  /**
   * Balancing factor α per class, in class order (the paper's α_t). Default: 1 for every class.
   * Unlike `classWeight` it does not change the normalisation (the mean stays over examples).
   */
  alpha?: readonly number[];
}

/**
 * Focal loss (Lin et al., 2017), softmax form: `-Σ_c α_c · t_c · (1 − p_c)^γ · log p_c`.
 * With γ = 0 and no α it equals cross-entropy.
 */
export function focalLoss(options: FocalLossOptions = {}): ClassificationLoss {
  const gamma = options.gamma ?? 2;
  checkNonNegative('gamma', gamma);
  const alpha = options.alpha === undefined ? undefined : [...options.alpha];
  if (alpha !== undefined) {
    if (!Array.isArray(alpha) || !alpha.every((value) => Number.isFinite(value) && value >= 0)) {
      throw new InvalidArgumentError({
        argument: 'alpha',
        value: options.alpha,
        expected: 'must be a list of finite numbers ≥ 0, one per class in class order',
      });
    }
  }
  return {
    name: 'focal',
    elementLoss: (probabilities, targets) =>
      tf.tidy(() => {
        const clipped = tf.clipByValue(probabilities, epsilon, 1 - epsilon);
        // (1 − p)^γ as exp(γ·log(1 − p)): Exp and Log have gradients on every backend.
        const modulation = tf.exp(tf.mul(tf.log(tf.sub(1, clipped)), gamma));
        let loss = tf.neg(tf.mul(tf.mul(targets, modulation), tf.log(clipped)));
        if (alpha !== undefined) {
          const classes = probabilities.shape[1] ?? 0;
          if (alpha.length !== classes) {
            throw new InvalidArgumentError({
              argument: 'alpha',
              value: alpha,
              expected: `must have one value per class (${classes})`,
            });
          }
          loss = tf.mul(loss, tf.tensor1d(alpha));
        }
        return loss as tf.Tensor2D;
      }),
    getConfig: () => ({ name: 'focal', gamma, ...(alpha ? { alpha } : {}) }),
  };
}

/** A registered classification loss. */
export interface ClassificationLossDescriptor {
  /** Unique name, e.g. `focal`. */
  name: string;
  /** One line for listings. */
  description: string;
  /** Builds the loss from `{ name, ...options }` (e.g. a saved `getConfig()`). */
  fromConfig(config: JsonObject): ClassificationLoss;
}

/** Losses known to {@link createClassificationLoss}; register your own with `register`. */
export const classificationLossRegistry = new Registry<ClassificationLossDescriptor>({
  kind: 'loss',
});

const builtIns: ClassificationLossDescriptor[] = [
  {
    name: 'cross-entropy',
    description: 'categorical cross-entropy (the default)',
    fromConfig: (config) => {
      checkOptionNames(config, []);
      return crossEntropy();
    },
  },
  {
    name: 'focal',
    description: 'focal loss -α(1-p)^γ log p (Lin et al., 2017), for imbalanced classes',
    fromConfig: (config) => {
      checkOptionNames(config, ['gamma', 'alpha']);
      return focalLoss(withoutName(config) as FocalLossOptions);
    },
  },
];

function ensureBuiltIns(): void {
  for (const descriptor of builtIns) {
    if (!classificationLossRegistry.has(descriptor.name)) {
      classificationLossRegistry.register(descriptor.name, descriptor);
    }
  }
}

/** Names of the registered classification losses. */
export function classificationLossNames(): string[] {
  ensureBuiltIns();
  return classificationLossRegistry.names();
}

/**
 * Builds a classification loss by name: `createClassificationLoss({ name: 'focal', gamma: 2 })`.
 * Unknown names throw an `UnknownNameError` listing the valid ones.
 */
export function createClassificationLoss(
  config: { name: string } & JsonObject,
): ClassificationLoss {
  if (typeof config?.name !== 'string') {
    throw new InvalidArgumentError({
      argument: 'name',
      value: config?.name,
      expected: 'must be a loss name such as "cross-entropy" or "focal"',
    });
  }
  ensureBuiltIns();
  return classificationLossRegistry.get(config.name).fromConfig(config);
}

function withoutName(config: JsonObject): JsonObject {
  const { name: _name, ...rest } = config;
  return rest;
}

function checkOptionNames(config: JsonObject, valid: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (key !== 'name' && !valid.includes(key)) {
      throw new InvalidArgumentError({
        argument: `loss.${key}`,
        value: config[key],
        expected: `is not an option of the ${String(config.name)} loss (options: ${valid.join(', ') || 'none'})`,
      });
    }
  }
}
