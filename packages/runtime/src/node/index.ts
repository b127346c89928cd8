export {
  type CudaLibrary,
  type CudaProbe,
  formatCudaProbe,
  type ProbeCudaOptions,
  probeCuda,
  tfjsNodeGpuLibraries,
} from './probe-cuda.js';
