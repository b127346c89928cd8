import { Registry } from '@graft/core';

/** Where a candidate can run. */
export type BackendEnvironment = 'node' | 'browser';

/**
 * A way to run tfjs: the package that provides it, the tfjs backend name it registers, and its
 * rank among the candidates of its environment (lower is tried first).
 */
export interface BackendCandidate {
  /** Name users pass as `prefer`, e.g. `node-gpu`. */
  name: string;
  /** Environment the candidate runs in. */
  environment: BackendEnvironment;
  /** Rank: lower is tried first. */
  rank: number;
  /** The package imported to register the backend, e.g. `@tensorflow/tfjs-node-gpu`. */
  packageName: string;
  /** The name the package registers with `tf.registerBackend`, e.g. `tensorflow`. */
  tfjsBackend: string;
  /** One line for reports, e.g. "TensorFlow C library with CUDA". */
  description: string;
  /**
   * Extra check after `tf.setBackend` succeeded; returns why the backend is not what it claims
   * (tfjs-node-gpu runs on the CPU when CUDA is missing), or `undefined` when it is.
   */
  verify?: (backend: unknown) => string | undefined;
}

/** Backend candidates, keyed `<environment>:<name>`; packages can register more. */
export const backendCandidates = new Registry<BackendCandidate>({ kind: 'backend' });

const builtIn: BackendCandidate[] = [
  {
    name: 'node-gpu',
    environment: 'node',
    rank: 10,
    packageName: '@tensorflow/tfjs-node-gpu',
    tfjsBackend: 'tensorflow',
    description: 'TensorFlow C library with CUDA (Linux, NVIDIA GPU)',
    verify: (backend) => {
      const native = backend as { isUsingGpuDevice?: boolean };
      return native.isUsingGpuDevice === true
        ? undefined
        : 'tfjs-node-gpu loaded but TensorFlow found no usable GPU, so it would run on the CPU ' +
            '(CUDA 11 / cuDNN 8 libraries missing? run `graft doctor`)';
    },
  },
  {
    name: 'node',
    environment: 'node',
    rank: 20,
    packageName: '@tensorflow/tfjs-node',
    tfjsBackend: 'tensorflow',
    description: 'TensorFlow C library on the CPU',
  },
  {
    name: 'wasm',
    environment: 'node',
    rank: 30,
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfjsBackend: 'wasm',
    description: 'WebAssembly with XNNPACK and SIMD',
  },
  {
    name: 'cpu',
    environment: 'node',
    rank: 40,
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfjsBackend: 'cpu',
    description: 'plain JavaScript (slow)',
  },
  {
    name: 'webgpu',
    environment: 'browser',
    rank: 10,
    packageName: '@tensorflow/tfjs-backend-webgpu',
    tfjsBackend: 'webgpu',
    description: 'WebGPU',
  },
  {
    name: 'webgl',
    environment: 'browser',
    rank: 20,
    packageName: '@tensorflow/tfjs-backend-webgl',
    tfjsBackend: 'webgl',
    description: 'WebGL 2',
  },
  {
    name: 'wasm',
    environment: 'browser',
    rank: 30,
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfjsBackend: 'wasm',
    description: 'WebAssembly with XNNPACK and SIMD',
  },
  {
    name: 'cpu',
    environment: 'browser',
    rank: 40,
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfjsBackend: 'cpu',
    description: 'plain JavaScript (slow)',
  },
];
for (const candidate of builtIn) {
  backendCandidates.register(candidateKey(candidate.environment, candidate.name), candidate, {
    override: true,
  });
}

/** Registry key of a candidate. */
export function candidateKey(environment: BackendEnvironment, name: string): string {
  return `${environment}:${name}`;
}

/** The candidates of `environment`, in the order they are tried. */
export function candidatesFor(environment: BackendEnvironment): BackendCandidate[] {
  return backendCandidates
    .entries()
    .map(([, candidate]) => candidate)
    .filter((candidate) => candidate.environment === environment)
    .sort((a, b) => a.rank - b.rank);
}

/** Whether this is a browser (or web worker) rather than Node. */
export function detectEnvironment(): BackendEnvironment {
  const processLike = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return processLike?.versions?.node === undefined ? 'browser' : 'node';
}
