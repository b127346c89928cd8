import { decodeOnnxModel, encodeOnnxModel, planQdqGraph } from './qdq-graph-plan.js';

/** What {@link buildCalibrationModel} returns. */
export interface CalibrationModel {
  /** The float model with every tensor to calibrate added as a graph output. */
  model: Uint8Array;
  /**
   * Tensors whose range {@link quantizeOnnxStatic} needs, in graph order: graph inputs (read them
   * from the feeds) and intermediate tensors (read them from the session's outputs).
   */
  tensors: string[];
  /** Which of `tensors` are graph inputs. */
  inputs: string[];
}

/**
 * The float model, unchanged but for extra graph outputs: the activations static quantization
 * needs ranges for (after ReLU/ReLU6, as the quantized model clips with them). Run it on
 * calibration images and feed each tensor to an `ActivationRangeObserver`.
 */
export function buildCalibrationModel(options: {
  /** A serialized float32 ONNX ModelProto, opset ≥ 13. */
  model: Uint8Array;
}): CalibrationModel {
  const plan = planQdqGraph(options.model);
  const model = decodeOnnxModel(options.model, 'model');
  const graph = model.graph as NonNullable<typeof model.graph>;
  const outputs = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  const inputs = plan.calibratedTensors.filter((name) => plan.graphInputs.has(name));
  for (const name of plan.calibratedTensors) {
    if (plan.graphInputs.has(name) || outputs.has(name)) continue;
    // Element type only: ONNX Runtime infers the shape.
    graph.output = [
      ...(graph.output ?? []),
      { name, type: { tensorType: { elemType: 1 } } } as NonNullable<typeof graph.output>[number],
    ];
  }
  return { model: encodeOnnxModel(model), tensors: plan.calibratedTensors, inputs };
}
