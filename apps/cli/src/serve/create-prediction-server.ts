import { createHash, timingSafeEqual } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { ImageClassifier } from '@graft/predictor';
import type { Prediction } from '@graft/trainer';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { DynamicBatcher } from './dynamic-batcher.js';
import { readRequestImages } from './read-request-images.js';
import { describeRequestError, RequestError } from './request-error.js';
import { createServerMetrics, type ServerMetrics } from './server-metrics.js';

/** Options of {@link createPredictionServer}. */
export interface PredictionServerOptions {
  /**
   * The loaded classifier (tfjs, or ONNX Runtime: `loadClassifier`'s `engine`); it decodes,
   * batches run through it. The server does not dispose it.
   */
  classifier: ImageClassifier;
  /** Extra fields of `GET /v1/model` (e.g. the weights' SHA-256). */
  modelInfo?: Record<string, unknown>;
  /** Most images per batch through the model; 1 turns dynamic batching off. */
  maxBatch: number;
  /** How long a partial batch waits for more images, in ms. */
  maxWaitMs: number;
  /** Most images waiting for a batch; a request that does not fit gets 503 + Retry-After. */
  maxQueue: number;
  /** Largest request body (raw or JSON) or uploaded file, in bytes. */
  bodyLimit: number;
  /** Most images per request. */
  maxImages: number;
  /** An image still queued after this many ms gets 503 instead of a late answer. */
  timeoutMs: number;
  /** Labels per image when the request does not say (`?top=`). */
  defaultTop: number;
  /** When set, `/v1/*` and `/metrics` need `Authorization: Bearer <token>`. */
  token?: string;
  /** When set, the one origin allowed by CORS; else no CORS headers (browsers refuse). */
  corsOrigin?: string;
}

/** A prediction server, not yet listening. */
export interface PredictionServer {
  /** The Fastify app: `listen()` it, or `inject()` requests in tests. */
  app: FastifyInstance;
  /** Its metrics. */
  metrics: ServerMetrics;
  /** Runs one batch through the model, then `/readyz` answers 200. */
  warmUp(): Promise<void>;
  /** Stops accepting, answers every accepted request, then resolves (the classifier stays). */
  close(): Promise<void>;
}

/** Seconds a client is told to wait (`Retry-After`) when the queue is full. */
const retryAfterSeconds = 1;

/**
 * The HTTP prediction server of `graft serve`, a thin Fastify app over an
 * {@link ImageClassifier}: `POST /v1/predict`, `GET /v1/model`, `/healthz`, `/readyz`,
 * `/metrics`. Each request's images are decoded (libuv threads, in parallel), then join the
 * {@link DynamicBatcher}, which runs them through the model with other requests' images.
 */
export function createPredictionServer(options: PredictionServerOptions): PredictionServer {
  const { classifier, bodyLimit } = options;
  const [height, width] = classifier.inputSize;
  const batcher = new DynamicBatcher<Uint8Array, Prediction[]>({
    maxBatch: options.maxBatch,
    maxWaitMs: options.maxWaitMs,
    maxQueue: options.maxQueue,
    run: (images) => classifier.classifyPixels(images),
    onBatch: (size) => metrics.batchSize.observe(size),
  });
  const metrics = createServerMetrics(() => batcher.depth);
  let ready = false;
  let closing = false;
  // Requests arriving while closing are refused by the onRequest hook below (JSON, Retry-After).
  const app = Fastify({
    bodyLimit,
    logger: false,
    forceCloseConnections: 'idle',
    return503OnClosing: false,
  });
  const raw = { parseAs: 'buffer' as const, bodyLimit };
  const keepBuffer = (
    _request: FastifyRequest,
    body: Buffer,
    done: (error: null, body: Buffer) => void,
  ) => done(null, body);
  app.addContentTypeParser(/^image\/.+/, raw, keepBuffer);
  app.addContentTypeParser('application/octet-stream', raw, keepBuffer);
  app.register(multipart, {
    limits: { fileSize: bodyLimit, files: options.maxImages, parts: options.maxImages + 8 },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (options.corsOrigin !== undefined) {
      reply.header('access-control-allow-origin', options.corsOrigin).header('vary', 'origin');
    }
    if (closing && request.url !== '/healthz') {
      throw new RequestError({
        status: 503,
        code: 'SHUTTING_DOWN',
        message: 'the server is shutting down: retry on another instance or after a restart',
      });
    }
    const protectedRoute = request.url.startsWith('/v1/') || request.url === '/metrics';
    if (options.token !== undefined && protectedRoute && request.method !== 'OPTIONS') {
      checkBearerToken(request, options.token);
    }
  });
  // Kept-alive connections would hold close() for Fastify's 72 s keep-alive timeout: while
  // closing, each answer ends its connection.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(async (error, _request, reply: FastifyReply) => {
    const { status, code, message } = describeRequestError(error, bodyLimit);
    metrics.errors.inc({ kind: code });
    if (status === 503) reply.header('retry-after', String(retryAfterSeconds));
    return reply.code(status).send({ error: { code, message } });
  });

  app.post('/v1/predict', async (request) => {
    if (!ready) {
      throw new RequestError({
        status: 503,
        code: 'NOT_READY',
        message: 'the model is warming up',
      });
    }
    const top = readTop((request.query as Record<string, unknown>).top, options.defaultTop);
    const images = await readRequestImages(request, options.maxImages);
    const pixels = await Promise.all(
      images.map((image) => classifier.pixels(image.bytes, image.name)),
    );
    const predictions = await batcher.submit(pixels, options.timeoutMs);
    const threshold = classifier.threshold;
    return {
      predictions: images.map((image, index) => ({
        image: image.name,
        top: (predictions[index] ?? [])
          .filter((entry) => threshold === undefined || entry.probability >= threshold)
          .slice(0, threshold === undefined ? top : undefined)
          .map(({ label, probability }) => ({ label, probability })),
      })),
    };
  });
  app.get('/v1/model', async () => {
    const metadata = classifier.metadata;
    return {
      name: metadata.modelName,
      labels: classifier.labels,
      inputSize: [height, width],
      preprocessing: metadata.graft.preprocessing,
      activation: metadata.graft.activation,
      ...(classifier.threshold === undefined ? {} : { threshold: classifier.threshold }),
      source: metadata.graft.source ?? 'graft',
      backbone: {
        name: metadata.graft.backbone?.name,
        weightsId: metadata.graft.backbone?.weightsId,
      },
      calibration: metadata.graft.calibration ?? null,
      engine: classifier.engine.name,
      batching: {
        maxBatch: options.maxBatch,
        maxWaitMs: options.maxWaitMs,
        maxQueue: options.maxQueue,
      },
      ...options.modelInfo,
    };
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (ready && !closing) return { status: 'ready' };
    return reply.code(503).send({ status: closing ? 'closing' : 'warming-up' });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  if (options.corsOrigin !== undefined) {
    app.options('/v1/*', async (_request, reply) =>
      reply
        .code(204)
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'content-type, authorization')
        .send(),
    );
  }

  return {
    app,
    metrics,
    async warmUp() {
      // One batch at the largest size compiles/allocates what later batches reuse.
      const blank = new Uint8Array(height * width * 3);
      await classifier.classifyPixels(Array.from({ length: options.maxBatch }, () => blank));
      ready = true;
    },
    async close() {
      closing = true;
      // Fastify stops accepting, answers 503 on kept-alive connections, and waits for every
      // request in flight; their images are in the batcher, which drains on its own.
      await app.close();
      await batcher.drain();
    },
  };
}

function readTop(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const top = Number(value);
  if (!(Number.isInteger(top) && top >= 1)) {
    throw new RequestError({
      status: 400,
      code: 'INVALID_ARGUMENT',
      message: `top: received ${JSON.stringify(value)}; must be an integer >= 1 (labels per image)`,
    });
  }
  return top;
}

/** Compares digests, so the time taken says nothing about the token's length or prefix. */
function checkBearerToken(request: FastifyRequest, token: string): void {
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  if (!timingSafeEqual(digest(given), digest(token))) {
    throw new RequestError({
      status: 401,
      code: 'UNAUTHORIZED',
      message:
        header === ''
          ? 'this server needs Authorization: Bearer <token> (graft serve --token-file)'
          : 'the bearer token is wrong',
    });
  }
}
