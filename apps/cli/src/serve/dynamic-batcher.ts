/** Options of {@link DynamicBatcher}. */
export interface DynamicBatcherOptions<Input, Output> {
  /** Most items run together; 1 turns batching off. */
  maxBatch: number;
  /** How long the first waiting item waits for others before a partial batch runs, in ms. */
  maxWaitMs: number;
  /** Most items waiting (not yet running); beyond it {@link DynamicBatcher.submit} refuses. */
  maxQueue: number;
  /** Runs one batch; returns one output per input, in order. One batch runs at a time. */
  run: (inputs: Input[]) => Promise<Output[]>;
  /** Told the size of every batch that runs (for metrics). */
  onBatch?: (size: number) => void;
}

/** Thrown by {@link DynamicBatcher.submit} when the queue cannot take the items: answer 503. */
export class QueueFullError extends Error {
  /** For the JSON error body. */
  readonly code = 'QUEUE_FULL';

  constructor(options: {
    /** Items asked to queue. */
    items: number;
    /** Items waiting. */
    waiting: number;
    /** The bound. */
    maxQueue: number;
  }) {
    super(
      `the prediction queue is full (${options.waiting} image(s) waiting, limit ${options.maxQueue}; this request has ${options.items}): retry later`,
    );
    this.name = 'QueueFullError';
  }
}

/** Thrown for an item that waited longer than its deadline before its batch ran. */
export class QueueTimeoutError extends Error {
  /** For the JSON error body. */
  readonly code = 'TIMEOUT';

  constructor(waitedMs: number) {
    super(
      `the image waited ${Math.round(waitedMs)} ms in the queue, over the per-request timeout: the server is overloaded, retry later`,
    );
    this.name = 'QueueTimeoutError';
  }
}

interface Waiting<Input, Output> {
  input: Input;
  queuedAt: number;
  deadline: number;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

/**
 * Dynamic batching as TorchServe and TF Serving do it: items from concurrent requests wait until
 * `maxBatch` of them are queued or the first has waited `maxWaitMs`, then run as one batch (the
 * model is much cheaper per image in a batch). One batch runs at a time (tfjs has one engine);
 * items arriving meanwhile form the next. The queue is bounded: a request that does not fit is
 * refused at once ({@link QueueFullError}) instead of waiting without bound.
 */
export class DynamicBatcher<Input, Output> {
  private readonly options: DynamicBatcherOptions<Input, Output>;
  private readonly queue: Waiting<Input, Output>[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;

  constructor(options: DynamicBatcherOptions<Input, Output>) {
    this.options = options;
  }

  /** Items waiting to run (not counting the batch running). */
  get depth(): number {
    return this.queue.length;
  }

  /**
   * Queues `inputs` (all or none) and resolves with their outputs, in order. Rejects at once
   * with {@link QueueFullError} when they do not fit, and per item with
   * {@link QueueTimeoutError} when one waited past `timeoutMs` before running.
   */
  submit(inputs: readonly Input[], timeoutMs: number): Promise<Output[]> {
    const { maxQueue } = this.options;
    if (this.queue.length + inputs.length > maxQueue) {
      return Promise.reject(
        new QueueFullError({ items: inputs.length, waiting: this.queue.length, maxQueue }),
      );
    }
    const now = performance.now();
    const outputs = inputs.map(
      (input) =>
        new Promise<Output>((resolve, reject) => {
          this.queue.push({ input, queuedAt: now, deadline: now + timeoutMs, resolve, reject });
        }),
    );
    this.schedule();
    return Promise.all(outputs);
  }

  /** Resolves once nothing waits and nothing runs. */
  async drain(): Promise<void> {
    while (this.running !== undefined || this.queue.length > 0) {
      this.schedule();
      await (this.running ?? new Promise((resolve) => setTimeout(resolve, 1)));
    }
  }

  private schedule(): void {
    if (this.running !== undefined || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch || this.options.maxWaitMs <= 0) {
      this.startBatch();
      return;
    }
    if (this.timer === undefined) {
      const first = this.queue[0] as Waiting<Input, Output>;
      const wait = Math.max(0, first.queuedAt + this.options.maxWaitMs - performance.now());
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.running === undefined) this.startBatch();
      }, wait);
    }
  }

  private startBatch(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = performance.now();
    const batch: Waiting<Input, Output>[] = [];
    while (batch.length < this.options.maxBatch && this.queue.length > 0) {
      const item = this.queue.shift() as Waiting<Input, Output>;
      if (now > item.deadline) item.reject(new QueueTimeoutError(now - item.queuedAt));
      else batch.push(item);
    }
    if (batch.length === 0) {
      this.schedule();
      return;
    }
    this.options.onBatch?.(batch.length);
    this.running = this.options
      .run(batch.map((item) => item.input))
      .then(
        (outputs) => {
          batch.forEach((item, index) => {
            item.resolve(outputs[index] as Output);
          });
        },
        (error: unknown) => {
          for (const item of batch) item.reject(error);
        },
      )
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
  }
}
