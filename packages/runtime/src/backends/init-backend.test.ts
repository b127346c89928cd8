import { UnknownNameError } from '@graft/core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { wasmTrainingKernelNames } from '../wasm-kernels/register-wasm-training-kernels.js';
import { BackendUnavailableError } from './backend-unavailable-error.js';
import { formatBackendReport } from './format-backend-report.js';
import { initBackend } from './init-backend.js';

describe('initBackend in Node', () => {
  it('falls back to wasm and says why the native packages were not used', async () => {
    // The real import: tfjs-node(-gpu) are optional peers that are not installed here.
    const report = await initBackend();
    expect(report.environment).toBe('node');
    expect(report.chosen).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.tfjsBackend).toBe('wasm');
    const byName = Object.fromEntries(
      report.candidates.map((candidate) => [candidate.name, candidate]),
    );
    expect(byName['node-gpu']?.status).toBe('not-installed');
    expect(byName['node-gpu']?.reason).toContain('@tensorflow/tfjs-node-gpu is not installed');
    expect(byName.node?.status).toBe('not-installed');
    expect(byName.wasm?.status).toBe('chosen');
    expect(byName.cpu?.status).toBe('not-tried');
    for (const name of wasmTrainingKernelNames) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    const lines = formatBackendReport(report);
    expect(lines[0]).toMatch(
      /^Backend: wasm \(tfjs backend "wasm" from @tensorflow\/tfjs-backend-wasm\)/,
    );
    expect(
      lines.some((line) => /node-gpu\s+not installed: @tensorflow\/tfjs-node-gpu/.test(line)),
    ).toBe(true);
    expect(lines.some((line) => /cpu\s+not tried: wasm comes first/.test(line))).toBe(true);
  });

  it('uses only the preferred backend', async () => {
    const report = await initBackend({ prefer: 'cpu' });
    expect(report.chosen).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(report.preferred).toBe(true);
    expect(
      report.candidates.filter((candidate) => candidate.status === 'not-requested'),
    ).toHaveLength(3);
    await initBackend({ prefer: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('throws listing the valid names for an unknown preference', async () => {
    const error = await initBackend({ prefer: 'gpu' }).catch((caught: unknown) => caught);
    expect(UnknownNameError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      'Valid node backend names: node-gpu, node, wasm, cpu',
    );
  });

  it('throws BackendUnavailableError with the report when the preferred one is unavailable', async () => {
    const error = await initBackend({ prefer: 'node-gpu' }).catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    const report = (error as BackendUnavailableError).report;
    expect(report.chosen).toBe('');
    expect(report.candidates.find((candidate) => candidate.name === 'node-gpu')?.status).toBe(
      'not-installed',
    );
    expect((error as Error).message).toMatch(/requested backend "node-gpu" is unavailable/);
  });

  it('tells a native library that failed to load from a missing package', async () => {
    const report = await initBackend({
      importModule: async (specifier) => {
        if (specifier === '@tensorflow/tfjs-node-gpu') {
          throw new Error(
            'libcudart.so.11.0: cannot open shared object file: No such file or directory',
          );
        }
        if (specifier === '@tensorflow/tfjs-node') {
          const error = new Error(
            "Cannot find module '/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'",
          ) as Error & { code: string };
          error.code = 'MODULE_NOT_FOUND';
          throw error;
        }
        return import(/* @vite-ignore */ specifier);
      },
    });
    const byName = Object.fromEntries(
      report.candidates.map((candidate) => [candidate.name, candidate]),
    );
    expect(byName['node-gpu']?.status).toBe('load-failed');
    expect(byName['node-gpu']?.reason).toContain(
      'failed to load: libcudart.so.11.0: cannot open shared object file',
    );
    expect(byName.node?.status).toBe('load-failed');
    expect(byName.node?.error).toContain('tfjs_binding.node');
    expect(report.chosen).toBe('wasm');
  });

  it('orders the browser candidates webgpu, webgl, wasm, cpu', async () => {
    const tried: string[] = [];
    const report = await initBackend({
      environment: 'browser',
      importModule: async (specifier) => {
        tried.push(specifier);
        if (specifier.endsWith('webgpu') || specifier.endsWith('webgl')) {
          const error = new Error(
            `Cannot find package '${specifier}' imported from /app/x.js`,
          ) as Error & {
            code: string;
          };
          error.code = 'ERR_MODULE_NOT_FOUND';
          throw error;
        }
        return import(/* @vite-ignore */ specifier);
      },
    });
    // wasm is already registered in this process, so it is not imported again.
    expect(tried).toEqual(['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-webgl']);
    expect(report.candidates.map((candidate) => `${candidate.name}:${candidate.status}`)).toEqual([
      'webgpu:not-installed',
      'webgl:not-installed',
      'wasm:chosen',
      'cpu:not-tried',
    ]);
  });

  it('does not accept tfjs-node-gpu running on the CPU (no CUDA) as a GPU backend', async () => {
    // Stands in for tfjs-node-gpu without CUDA: it registers "tensorflow", which reports no GPU.
    const importModule = async (specifier: string) => {
      if (specifier !== '@tensorflow/tfjs-node-gpu') return import(/* @vite-ignore */ specifier);
      tf.registerBackend('tensorflow', () =>
        Object.assign(new MathBackendCPU(), { isGPUPackage: true, isUsingGpuDevice: false }),
      );
      return {};
    };
    try {
      const report = await initBackend({ importModule });
      const byName = Object.fromEntries(
        report.candidates.map((candidate) => [candidate.name, candidate]),
      );
      expect(byName['node-gpu']?.status).toBe('init-failed');
      expect(byName['node-gpu']?.reason).toContain(
        'found no usable GPU, so it would run on the CPU',
      );
      // tfjs-node registers the same backend name; the CPU TensorFlow is what is really there.
      expect(report.chosen).toBe('node');
      expect(report.tfjsBackend).toBe('tensorflow');
    } finally {
      tf.removeBackend('tensorflow');
      await tf.setBackend('wasm');
    }
  });
});
