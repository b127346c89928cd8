import { type Head, InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { type CoralLoss, centredLogits, coralLoss } from '../losses/coral.js';
import { type DistillationLoss, distillationLoss } from '../losses/distillation.js';
import type { LossTerm } from '../losses/loss-term.js';
import type { LossBatch } from './gradients.js';
import { classificationLoss } from './loss.js';

/** The validated loss terms of a run. */
export interface ResolvedLossTerms {
  /** At most one distillation term (it replaces the hard-label loss by its mix). */
  distillation?: DistillationLoss;
  /** CORAL terms, added to the loss. */
  corals: CoralLoss[];
}

/** Checks `lossTerms` against the run (one distillation, softmax head, CORAL layers per mode). */
export function resolveLossTerms(
  terms: readonly LossTerm[] | undefined,
  run: { mode: 'feature-extraction' | 'fine-tune'; head: Head; classNames: readonly string[] },
): ResolvedLossTerms {
  const resolved: ResolvedLossTerms = { corals: [] };
  if (terms !== undefined && !Array.isArray(terms)) {
    throw new InvalidArgumentError({
      argument: 'lossTerms',
      value: terms,
      expected:
        'must be a list of loss terms, e.g. [distillation({ teacher }), coral({ targetData })]',
    });
  }
  (terms ?? []).forEach((term, index) => {
    const argument = `lossTerms[${index}]`;
    if (term?.kind === 'distillation') {
      if (resolved.distillation) {
        throw new InvalidArgumentError({
          argument,
          value: term.getConfig(),
          expected: 'must not be a second distillation term (one teacher per run)',
        });
      }
      if (run.head.activation !== 'softmax') {
        throw new InvalidArgumentError({
          argument: `${argument}.head.activation`,
          value: run.head.activation,
          expected: 'must be softmax for distillation (a softened class distribution)',
        });
      }
      const labels = term.logitsTeacher.labels;
      if (labels !== undefined && labels.join('\n') !== run.classNames.join('\n')) {
        throw new InvalidArgumentError({
          argument: `${argument}.teacher.labels`,
          value: labels,
          expected: `must equal the training classes in order (${run.classNames.join(', ')})`,
        });
      }
      resolved.distillation = term;
    } else if (term?.kind === 'coral') {
      if (term.layer === 'features' && run.mode !== 'fine-tune') {
        throw new InvalidArgumentError({
          argument: `${argument}.layer`,
          value: term.layer,
          expected:
            'must be logits in feature-extraction mode (frozen features get no gradient); features needs fine-tune mode',
        });
      }
      resolved.corals.push(term);
    } else {
      throw new InvalidArgumentError({
        argument,
        value: (term as { kind?: unknown })?.kind,
        expected: 'must be a loss term built by distillation() or coral()',
      });
    }
  });
  return resolved;
}

/** Name of a loss component in the epoch logs. */
export function coralLogName(index: number): string {
  return index === 0 ? 'coral_loss' : `coral_loss_${index}`;
}

/** Per-step data the loss terms need, for the whole batch. Owned by the caller. */
export interface StepLossData {
  /** `[N, C]` teacher logits of the batch's rows. */
  teacherLogits?: tf.Tensor;
  /** One target batch per CORAL term: features (feature extraction) or normalised pixels. */
  coralTargets: tf.Tensor[];
}

/** A component recorded during one step (kept scalars; the caller reads and disposes them). */
export interface RecordedComponent {
  /** Log name, e.g. `distillation_loss`. */
  name: string;
  /** The micro-batch's value. */
  value: tf.Scalar;
  /** Share of the batch (micro-batch rows / batch rows). */
  weight: number;
}

/**
 * The step loss with the terms: hard-label loss (mixed with the soft term when distilling)
 * plus `λ·CORAL` per CORAL term, on each micro-batch; the target rows paired with micro-batch
 * `[start, start + size)` are the same rows of the target batch. Components are recorded with
 * `tf.keep` into `recorded`.
 */
export function stepLoss(options: {
  /** The resolved terms. */
  terms: ResolvedLossTerms;
  /** The head's activation. */
  activation: 'softmax' | 'sigmoid';
  /** This step's data. */
  data: StepLossData;
  /** Rows of the whole batch. */
  batchRows: number;
  /** Target inputs → the activations CORAL compares (probabilities, and features when fine-tuning). */
  forwardTarget: (inputs: tf.Tensor) => { probabilities: tf.Tensor; features?: tf.Tensor };
  /** The source micro-batch's backbone features, when the forward pass exposes them. */
  sourceFeatures: () => tf.Tensor | undefined;
  /** Where components are recorded. */
  recorded: RecordedComponent[];
  /** The hard-label loss of a micro-batch (class weights, smoothing, focal). Default: cross-entropy. */
  hardLoss?: (batch: LossBatch) => tf.Scalar;
}): (batch: LossBatch) => tf.Scalar {
  const { terms, data, recorded } = options;
  return (batch) => {
    const weight = batch.size / Math.max(options.batchRows, 1);
    const record = (name: string, value: tf.Scalar) => {
      recorded.push({ name, value: tf.keep(tf.clone(value)), weight });
    };
    let total: tf.Scalar;
    if (terms.distillation && data.teacherLogits) {
      const teacherLogits = tf.slice(data.teacherLogits, batch.start, batch.size);
      const {
        total: mixed,
        hard,
        soft,
      } = distillationLoss({
        studentProbabilities: batch.probabilities,
        teacherLogits,
        targets: batch.targets,
        temperature: terms.distillation.temperature,
        alpha: terms.distillation.alpha,
        ...(options.hardLoss
          ? {
              hardLoss: (probabilities: tf.Tensor, targets: tf.Tensor) =>
                (options.hardLoss as (batch: LossBatch) => tf.Scalar)({
                  ...batch,
                  probabilities,
                  targets,
                }),
            }
          : {}),
      });
      record('hard_loss', hard);
      record('distillation_loss', soft);
      total = mixed;
    } else if (options.hardLoss) {
      total = options.hardLoss(batch);
    } else {
      total = classificationLoss({
        probabilities: batch.probabilities,
        targets: batch.targets,
        activation: options.activation,
      });
    }
    terms.corals.forEach((term, index) => {
      const targetBatch = data.coralTargets[index];
      if (targetBatch === undefined) return;
      const available = (targetBatch.shape[0] ?? 0) - batch.start;
      const rows = Math.min(batch.size, available);
      let distance: tf.Scalar;
      if (rows < 2 || batch.size < 2) {
        distance = tf.scalar(0);
      } else {
        const targetInputs = tf.slice(targetBatch, batch.start, rows);
        const target = options.forwardTarget(targetInputs);
        let sourceActivations: tf.Tensor;
        let targetActivations: tf.Tensor;
        if (term.layer === 'features') {
          const features = options.sourceFeatures();
          if (features === undefined || target.features === undefined) {
            throw new InvalidArgumentError({
              argument: 'layer',
              value: term.layer,
              expected: 'needs a forward pass that exposes backbone features (fine-tune mode)',
            });
          }
          sourceActivations = features;
          targetActivations = target.features;
        } else {
          sourceActivations = centredLogits(batch.probabilities, options.activation);
          targetActivations = centredLogits(target.probabilities, options.activation);
        }
        distance = coralLoss({
          source: tf.reshape(sourceActivations, [batch.size, -1]) as tf.Tensor2D,
          target: tf.reshape(targetActivations, [rows, -1]) as tf.Tensor2D,
        });
      }
      record(coralLogName(index), distance);
      total = tf.add(total, tf.mul(distance, term.weight)) as tf.Scalar;
    });
    return total;
  };
}
