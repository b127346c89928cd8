import { rmSync } from 'node:fs';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../registry/backbone-registry.js';
import '../register-built-ins.js';
import { buildConvNextTiny } from '../convnext/convnext-architecture.js';
import { buildEfficientNet } from '../efficientnet/efficientnet-architecture.js';
import { readSafetensorsFile } from '../formats/safetensors-node.js';
import { buildMobileNetV3 } from '../mobilenet-v3/mobilenet-v3-architecture.js';
import { loadTorchStateDict } from '../resnet/load-torch-state-dict.js';
import {
  compareOutputs,
  hasTorchvision,
  makeTorchvisionReference,
  referencePython,
  type TorchvisionReference,
} from './torchvision-reference.js';

// The ports against torchvision 0.14 itself: seeded random weights, a seeded input, logits and
// pooled features computed by PyTorch at test time (tooling/fixtures/torchvision-backbones.py).
// Required in CI (.ci/apt-packages.txt installs python3-torch, python3-torchvision).
const available = hasTorchvision();
const required = process.env.CI === 'true';
if (!available && !required) {
  console.warn(
    `Skipping the torchvision port checks: ${referencePython} cannot import torch and torchvision (apt-get install python3-torchvision).`,
  );
}

/** The bar: 1e-4 relative, with a 1e-4 floor for values near zero. */
const tolerance = { atol: 1e-4, rtol: 1e-4 };

interface Port {
  architecture: string;
  build: () => tfl.LayersModel;
  /** Also load the `.pth` through the registry (one port per family keeps CI short). */
  registered: boolean;
}

const mobilePorts: Port[] = [
  {
    architecture: 'mobilenet_v3_small',
    build: () => buildMobileNetV3({ variant: 'small', includeTop: true }),
    registered: true,
  },
  {
    architecture: 'mobilenet_v3_large',
    build: () => buildMobileNetV3({ variant: 'large', includeTop: true }),
    registered: false,
  },
  {
    architecture: 'efficientnet_b0',
    build: () => buildEfficientNet({ variant: 'b0', inputSize: [224, 224], includeTop: true }),
    registered: true,
  },
];
// ConvNeXt-Tiny (4.5 GFLOPs, 28M parameters) at 64x64, where its four stages are 16, 8, 4 and 2
// pixels wide (the 7x7 depthwise windows still overlap every border), to keep CI short.
const convNextPorts: Port[] = [
  {
    architecture: 'convnext_tiny',
    build: () => buildConvNextTiny({ inputSize: [64, 64], includeTop: true }),
    registered: true,
  },
];

// B1–B3 are B0's blocks at other widths (makeDivisible rounding) and depths (ceil): at 128x128
// every block still runs, and CI stays short; the weights and logits are checked, not the .pth.
const scaledEfficientNetPorts: Port[] = (['b1', 'b2', 'b3'] as const).map((variant) => ({
  architecture: `efficientnet_${variant}`,
  build: () => buildEfficientNet({ variant, inputSize: [128, 128], includeTop: true }),
  registered: false,
}));

describePorts('MobileNetV3 and EfficientNet at 224x224', mobilePorts, {
  size: 224,
  checkpoints: true,
});
describePorts('ConvNeXt-Tiny at 64x64', convNextPorts, { size: 64, checkpoints: true });
describePorts('EfficientNet B1–B3 at 128x128', scaledEfficientNetPorts, {
  size: 128,
  checkpoints: false,
});

function describePorts(
  label: string,
  ports: readonly Port[],
  options: { size: number; checkpoints: boolean },
): void {
  describe.runIf(available || required)(
    `torchvision ports against PyTorch (wasm): ${label}`,
    () => {
      let reference: TorchvisionReference;
      let input: tf.Tensor4D;

      beforeAll(async () => {
        await tf.setBackend('wasm');
        reference = makeTorchvisionReference(
          ports.map((port) => port.architecture),
          options,
        );
        input = tf.tidy(() =>
          tf.transpose(tf.tensor4d(reference.input.values, reference.input.shape), [0, 2, 3, 1]),
        );
      }, 120_000);

      afterAll(() => {
        input?.dispose();
        if (reference !== undefined) rmSync(reference.directory, { recursive: true, force: true });
      });

      for (const { architecture, build, registered } of ports) {
        it(`${architecture}: logits and pooled features match torchvision`, async () => {
          const expected = reference.models[architecture];
          if (expected === undefined) throw new Error(`no reference for ${architecture}`);
          const classifier = build();
          const stateDict = await readSafetensorsFile(expected.weights);
          const result = loadTorchStateDict({
            model: classifier,
            stateDict,
            classifier: 'classifier',
          });
          expect(result.ignored.every((key) => key.endsWith('num_batches_tracked'))).toBe(true);
          const both = tfl.model({
            inputs: classifier.inputs,
            outputs: [
              classifier.getLayer('avgpool').output,
              classifier.outputs[0],
            ] as tfl.SymbolicTensor[],
          });
          const [features, logits] = await expectNoTensorLeaks(
            async () => {
              const outputs = both.predict(input) as tf.Tensor[];
              const data = await Promise.all(
                outputs.map((output) => output.data() as Promise<Float32Array>),
              );
              tf.dispose(outputs);
              return data;
            },
            { repeats: 1 },
          );
          const featureError = compareOutputs(
            features as Float32Array,
            expected.features,
            tolerance,
          );
          const logitError = compareOutputs(logits as Float32Array, expected.logits, tolerance);
          console.log(
            `${architecture} wasm vs torchvision: features max abs ${featureError.maxAbs.toExponential(2)} max rel ${featureError.maxRel.toExponential(2)}; ` +
              `logits max abs ${logitError.maxAbs.toExponential(2)} max rel ${logitError.maxRel.toExponential(2)} (${(100 * logitError.budgetUsed).toFixed(1)}% of atol 1e-4 + rtol 1e-4)`,
          );
          expect(featureError.violations).toBe(0);
          expect(logitError.violations).toBe(0);
          classifier.dispose();
        });

        it.runIf(registered)(
          `${architecture}: the registered backbone reads torchvision's .pth; inferenceModel() folds BatchNorm`,
          async () => {
            const expected = reference.models[architecture];
            if (expected === undefined) throw new Error(`no reference for ${architecture}`);
            const [, , height, width] = reference.input.shape;
            const backbone = await createBackbone(architecture, {
              weightsPath: expected.checkpoint,
              inputSize: [height, width],
            });
            const [features, folded] = await expectNoTensorLeaks(
              async () => {
                const plain = backbone.model.predict(input) as tf.Tensor;
                const fused = backbone.inferenceModel?.().predict(input) as tf.Tensor;
                const data = await Promise.all([plain.data(), fused.data()]);
                tf.dispose([plain, fused]);
                return data as Float32Array[];
              },
              { repeats: 1 },
            );
            const plainError = compareOutputs(
              features as Float32Array,
              expected.backbone,
              tolerance,
            );
            const foldedError = compareOutputs(
              folded as Float32Array,
              expected.backbone,
              tolerance,
            );
            console.log(
              `${architecture} from .pth: backbone output max abs ${plainError.maxAbs.toExponential(2)}; BatchNorm folded ${foldedError.maxAbs.toExponential(2)}`,
            );
            expect(plainError.violations).toBe(0);
            expect(foldedError.violations).toBe(0);
            expect(backbone.weightsId).toMatch(new RegExp(`^${architecture}:`));
            backbone.dispose();
          },
        );
      }
    },
  );
}
