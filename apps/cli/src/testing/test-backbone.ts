import { registerBackbone } from '@graft/backbones';

/**
 * Environment variable that registers {@link testBackboneName} (test-only): crash tests run the
 * real binary many times and need a backbone that loads in milliseconds, with no weights file.
 */
export const testBackboneVariable = 'GRAFT_TEST_BACKBONE';

/** Name of the test-only backbone: core's tiny two-stage CNN at 16×16, random weights. */
export const testBackboneName = 'test_tiny_16';

/** Registers the test-only backbone when {@link testBackboneVariable} is `1`. */
export async function registerTestBackboneIfAsked(): Promise<void> {
  if (process.env[testBackboneVariable] !== '1') return;
  // Loaded only here, so normal runs never import the testing helpers.
  const { tinyBackbone } = await import('@graft/core/testing');
  registerBackbone({
    name: testBackboneName,
    family: 'test',
    description: 'test-only tiny CNN (GRAFT_TEST_BACKBONE=1)',
    // tinyBackbone's defaults (no backend exists yet to build one and ask it).
    preprocessing: {
      inputSize: [16, 16],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    },
    featureDim: 8,
    inputSizes: [[16, 16]],
    weights: [],
    create: async (options) => tinyBackbone({ seed: options?.seed ?? 0 }),
  });
}
