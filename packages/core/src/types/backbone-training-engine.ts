import type * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from './backbone.js';
import type { FeatureEngine } from './feature-computer.js';

/** One micro-batch handed to a {@link BackboneTrainingEngine}. */
export interface BackboneForwardRequest {
  /**
   * The backbone, with the run's trainable flags set (they decide BatchNorm's mode). Its current
   * weights are read on every call; the moving statistics of its training-mode BatchNorm layers
   * are updated by the call, as one tfjs forward pass in training mode would.
   */
  backbone: Backbone;
  /** Backbone weights whose gradients `backward` returns, in this order. */
  variables: readonly tf.Variable[];
  /** Normalized NHWC pixels of the micro-batch, row-major. */
  inputs: Float32Array;
  /** `[rows, height, width, channels]`. */
  shape: readonly [number, number, number, number];
}

/** A forward pass in training mode, waiting for the gradient of its features. */
export interface BackboneForwardPass {
  /** The backbone's output for the micro-batch, row-major, tfjs layout. */
  features: Float32Array;
  /** Shape of `features`, first axis = rows. */
  featureShape: number[];
  /**
   * Gradients of the loss with respect to the requested variables (same order, tfjs layout;
   * zeros for a variable that does not reach the features), given the loss's gradient with
   * respect to `features`. Call at most once; releases what the forward pass kept.
   */
  backward(featureGradient: Float32Array): Promise<Float32Array[]>;
  /** Releases what the forward pass kept, when `backward` will not be called. Idempotent. */
  release(): void;
}

/**
 * Runs a backbone's forward and backward passes of fine-tuning somewhere else than the calling
 * code's tfjs backend, e.g. ONNX Runtime on graphs built from the backbone
 * (`createOnnxTrainingEngine` in `@graft/onnx/node`). The trainer keeps the head, the loss and
 * the optimiser in tfjs (`createEngineGradientComputer` in `@graft/trainer`).
 */
export interface BackboneTrainingEngine {
  /** Name and detail of the engine, for reports. */
  readonly engine: FeatureEngine;
  /**
   * Forward passes it runs at once (e.g. worker threads); a caller with several micro-batches
   * starts that many before awaiting them. Default 1.
   */
  readonly concurrency?: number;
  /**
   * Why this engine cannot train `backbone` (e.g. a layer it has no gradient for), or
   * `undefined` when it can.
   */
  unsupportedReason(backbone: Backbone): string | undefined;
  /**
   * Forward pass of one micro-batch in training mode. Calls may overlap; BatchNorm moving
   * statistics are still updated in call order.
   */
  forward(request: BackboneForwardRequest): Promise<BackboneForwardPass>;
  /** Releases sessions and memory. Idempotent. */
  close(): Promise<void>;
}
