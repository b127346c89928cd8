import { type ImageDataset, InvalidArgumentError, type JsonObject, Registry } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Classifier } from '../classifier/classifier.js';
import type { ClassifierMetadata } from '../classifier/classifier-metadata.js';
import {
  type AdaptBatchNormProgress,
  adaptBatchNorm,
  type BatchNormStrategy,
  batchNormStrategies,
} from './adapt-batch-norm.js';

/** Options every adaptation method receives. */
export interface AdaptationContext {
  /** The model to adapt in place (a copy of the classifier's). */
  model: tfl.LayersModel;
  /** The classifier's metadata (preprocessing, labels). */
  metadata: ClassifierMetadata;
  /** Unlabelled target-domain images. */
  data: ImageDataset;
  /** Images per forward pass. */
  batchSize?: number;
  /** Method-specific options (JSON, e.g. from the command line). */
  options: JsonObject;
  /** Called after each batch. */
  onProgress?: (progress: AdaptBatchNormProgress) => void;
  /** Cancels the adaptation. */
  signal?: AbortSignal;
}

/** A post-hoc domain adaptation method: changes a trained model using unlabelled target images. */
export interface AdaptationMethodDescriptor {
  /** Unique name, e.g. `adabn`. */
  name: string;
  /** One line for listings. */
  description: string;
  /** Adapts `context.model` in place and returns a JSON report, recorded in the metadata. */
  adapt(context: AdaptationContext): Promise<JsonObject>;
}

/**
 * Post-hoc adaptation methods known to {@link adaptClassifier}; register your own with
 * `register`. CORAL is not one: it is a loss term of head training, not a change to a trained
 * model.
 */
export const adaptationMethodRegistry = new Registry<AdaptationMethodDescriptor>({
  kind: 'adaptation method',
});

const builtIns: AdaptationMethodDescriptor[] = [
  {
    name: 'adabn',
    description:
      'AdaBN: re-estimate every BatchNorm layer’s moving mean/variance on the target images (no gradient steps)',
    async adapt(context) {
      const strategy = context.options.strategy ?? 'one-pass';
      if (!batchNormStrategies.includes(strategy as BatchNormStrategy)) {
        throw new InvalidArgumentError({
          argument: 'strategy',
          value: strategy,
          expected: `must be one of: ${batchNormStrategies.join(', ')}`,
        });
      }
      const report = await adaptBatchNorm({
        model: context.model,
        data: context.data,
        preprocessing: context.metadata.graft.preprocessing,
        strategy: strategy as BatchNormStrategy,
        ...(context.batchSize !== undefined ? { batchSize: context.batchSize } : {}),
        ...(context.onProgress ? { onProgress: context.onProgress } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
      });
      return report as unknown as JsonObject;
    },
  },
];

/** Registers the built-in methods once (lazily, so importing the package has no side effect). */
function ensureBuiltIns(): void {
  for (const descriptor of builtIns) {
    if (!adaptationMethodRegistry.has(descriptor.name)) {
      adaptationMethodRegistry.register(descriptor.name, descriptor);
    }
  }
}

/** Names of the registered adaptation methods (built-ins included). */
export function adaptationMethodNames(): string[] {
  ensureBuiltIns();
  return adaptationMethodRegistry.names();
}

/** The descriptor of `name`; unknown names throw an `UnknownNameError` listing the valid ones. */
export function getAdaptationMethod(name: string): AdaptationMethodDescriptor {
  ensureBuiltIns();
  return adaptationMethodRegistry.get(name);
}

/** One entry of {@link AdaptedClassifierMetadata}'s `graft.adaptation` list. */
export interface AdaptationRecord extends JsonObject {
  /** Method name. */
  method: string;
  /** ISO time of the adaptation. */
  timeStamp: string;
  /** Images it used. */
  images: number;
  /** Method options. */
  options: JsonObject;
  /** The method's report. */
  report: JsonObject;
  /** Whatever the caller records (e.g. the source model and target data paths). */
  details: JsonObject;
}

/** Classifier metadata with the adaptations applied to it, oldest first, under `graft.adaptation`. */
export type AdaptedClassifierMetadata = ClassifierMetadata & {
  graft: ClassifierMetadata['graft'] & { adaptation?: AdaptationRecord[] };
};

/** Options of {@link adaptClassifier}. */
export interface AdaptClassifierOptions {
  /** The trained classifier. Not modified. */
  classifier: Classifier;
  /** Registered method name. Default `adabn`. */
  method?: string;
  /** Unlabelled target-domain images (any labels are ignored). */
  data: ImageDataset;
  /** Images per forward pass. Default: the method's (32 for `adabn`). */
  batchSize?: number;
  /** Method-specific options, e.g. `{ strategy: 'progressive' }` for `adabn`. */
  options?: JsonObject;
  /** Recorded with the adaptation in the metadata (e.g. source and data paths). */
  details?: JsonObject;
  /** Called after each batch. */
  onProgress?: (progress: AdaptBatchNormProgress) => void;
  /** Cancels the adaptation. */
  signal?: AbortSignal;
}

/**
 * Adapts a copy of `classifier` to a target domain with a registered method (`adabn` built in)
 * and returns the new classifier, whose metadata lists the adaptation under `graft.adaptation`.
 * The caller disposes the returned classifier; the source classifier is left as it was.
 */
export async function adaptClassifier(
  options: AdaptClassifierOptions,
): Promise<{ classifier: Classifier; report: JsonObject }> {
  if (!(options.classifier instanceof Classifier)) {
    throw new InvalidArgumentError({
      argument: 'classifier',
      value: options.classifier,
      expected: 'must be a Classifier (loadClassifier from @graft/trainer or @graft/trainer/node)',
    });
  }
  const descriptor = getAdaptationMethod(options.method ?? 'adabn');
  const methodOptions = options.options ?? {};
  const model = await cloneModel(options.classifier.model);
  const source = options.classifier.metadata as AdaptedClassifierMetadata;
  let report: JsonObject;
  try {
    report = await descriptor.adapt({
      model,
      metadata: source,
      data: options.data,
      options: methodOptions,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
  const timeStamp = new Date().toISOString();
  const record: AdaptationRecord = {
    method: descriptor.name,
    timeStamp,
    images: typeof report.imagesSeen === 'number' ? report.imagesSeen : options.data.size,
    options: methodOptions,
    report,
    details: options.details ?? {},
  };
  const copy = JSON.parse(JSON.stringify(source)) as AdaptedClassifierMetadata;
  const metadata: AdaptedClassifierMetadata = {
    ...copy,
    timeStamp,
    graft: { ...copy.graft, adaptation: [...(copy.graft.adaptation ?? []), record] },
  };
  return { classifier: new Classifier({ model, metadata }), report };
}

/** An independent copy of `model` (topology and weights), through tfjs's own serialisation. */
export async function cloneModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (artifacts === undefined) throw new Error('tfjs did not hand over the model artifacts');
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}
