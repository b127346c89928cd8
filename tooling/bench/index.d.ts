/** One benchmark figure. */
export interface BenchRow {
  suite: string;
  name: string;
  backend: string;
  value: number;
  unit: string;
  medianSeconds: number;
  runs: number;
  notes: string;
  /** Key of the same workload on the PyTorch side, when there is one. */
  compare?: string;
  /** Peak resident memory of the suite's process up to this row, MiB. */
  peakRssMiB?: number;
  /** 1-minute load average of the machine when the row was measured. */
  loadAverage?: number;
  /** PyTorch's figure for the same `compare` key (filled in by the runner). */
  pytorch?: number;
  /** Graft / PyTorch (filled in by the runner). */
  ratio?: number;
  /**
   * onnxruntime-node's figure (CPU, the PyTorch side's thread count) for the same `compare` key,
   * forward rows only (filled in by the runner).
   */
  onnxruntime?: number;
  /** Graft / onnxruntime (filled in by the runner). */
  ratioOnnxruntime?: number;
  /** Intra-op threads, on the onnxruntime rows. */
  threads?: number;
}

/** Times `run` after warm-up and returns the median throughput (`items` per second). */
export declare function measure(options: {
  /** Suite, e.g. `backbone forward`. */
  suite: string;
  /** Figure name, e.g. `mobilenet_v2_1.0 224 b32`. */
  name: string;
  /** Items processed by one `run` call (images, steps …). */
  items: number;
  /** Unit of the throughput. Default `images/s`. */
  unit?: string;
  /** Untimed calls first. Default 1. */
  warmup?: number;
  /** Timed calls. Default 5. */
  runs?: number;
  /** The workload. */
  run: () => unknown | Promise<unknown>;
  /** Backend name for the table. */
  backend?: string;
  /** Free text. */
  notes?: string;
  /**
   * Key of the same workload in `tooling/bench/pytorch/workloads.py` (e.g.
   * `forward/mobilenet_v2_1.0/b32`): the table then shows PyTorch's figure and the ratio.
   */
  compare?: string;
}): Promise<BenchRow>;

/** Machine facts recorded next to every result. */
export declare function machine(): {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  date: string;
  /** 1, 5 and 15-minute load averages. */
  loadAverage: number[];
};
