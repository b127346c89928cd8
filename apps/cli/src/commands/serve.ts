import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@graft/core';
import { classifierFormat, loadClassifier } from '@graft/predictor/node';
import type { Command } from 'commander';
import { parseChoice, parseInteger } from '../config/parse-values.js';
import { waitForStopSignal } from '../interrupt/wait-for-stop-signal.js';
import type { CommandOutput } from '../output.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { openClassifierSource } from '../run/open-classifier-source.js';
import { weightsDigest } from '../serve/weights-digest.js';

/** `--engine` values; auto is the directory's own format. */
const servingEngines = ['auto', 'tfjs', 'onnx'] as const;

/** `--max-batch` when not given, per engine (measured: docs/benchmarks.md, issue 27). */
const servingBatchDefaults = { tfjs: 16, onnx: 1 } as const;

interface ServeFlags {
  host: string;
  port: string;
  maxBatch?: string;
  maxWaitMs: string;
  maxQueue: string;
  maxImages: string;
  bodyLimit: string;
  maxPixels: string;
  timeoutMs: string;
  top: string;
  tokenFile?: string;
  cors?: string;
  engine: string;
  threads?: string;
}

/**
 * `graft serve <run|dir>`: an HTTP prediction server over a run's or an exported classifier
 * (see ../serve/create-prediction-server.ts) until SIGTERM/SIGINT, which stop it gracefully:
 * no new connections, every accepted request answered, exit 0.
 */
export function registerServeCommand(program: Command, output: CommandOutput): void {
  program
    .command('serve')
    .description(
      'serve a classifier over HTTP: POST /v1/predict, GET /v1/model, /healthz, /readyz, /metrics (SIGTERM stops gracefully)',
    )
    .argument(
      '<run>',
      'run directory (graft train) or classifier directory (graft export, Teachable Machine)',
    )
    .option(
      '--host <address>',
      'address to bind (0.0.0.0 exposes the server to the network)',
      '127.0.0.1',
    )
    .option('--port <n>', 'port (0 picks a free one)', '8080')
    .option(
      '--max-batch <n>',
      'most images per model call (dynamic batching; 1 = off). Default 1 on onnx (a batch costs more CPU per image there), 16 on tfjs',
    )
    .option('--max-wait-ms <ms>', 'how long a partial batch waits for more images', '5')
    .option(
      '--max-queue <n>',
      'most images waiting; beyond it requests get 503 + Retry-After',
      '256',
    )
    .option('--max-images <n>', 'most images per request', '16')
    .option(
      '--body-limit <bytes>',
      'largest request body or uploaded file',
      String(10 * 1024 * 1024),
    )
    .option(
      '--max-pixels <n>',
      'largest width x height an image may declare (refused before decoding)',
      String(40_000_000),
    )
    .option('--timeout-ms <ms>', 'an image queued longer than this gets 503', '30000')
    .option('-k, --top <k>', 'labels per image unless the request says ?top=', '3')
    .option(
      '--token-file <file>',
      "require Authorization: Bearer <the file's first line> on /v1/* and /metrics",
    )
    .option('--cors <origin>', 'allow this browser origin (CORS is off by default)')
    .option(
      '--engine <engine>',
      "auto (the folder's format), tfjs, or onnx: onnxruntime-node in a worker thread (a tfjs model is converted to ONNX at start)",
      'auto',
    )
    .option('--threads <n>', 'with --engine onnx: threads per batch (default: the number of CPUs)')
    .action(async (runPath: string, flags: ServeFlags) => {
      const engineChoice = parseChoice('--engine', flags.engine, servingEngines);
      const threads =
        flags.threads === undefined
          ? availableParallelism()
          : parseInteger('--threads', flags.threads, { minimum: 1, maximum: 256 });
      const port = parseInteger('--port', flags.port, { minimum: 0, maximum: 65_535 });
      const maxWaitMs = parseInteger('--max-wait-ms', flags.maxWaitMs, { minimum: 0 });
      const maxQueue = parseInteger('--max-queue', flags.maxQueue, { minimum: 1 });
      const maxImages = parseInteger('--max-images', flags.maxImages, { minimum: 1 });
      const bodyLimit = parseInteger('--body-limit', flags.bodyLimit, { minimum: 1 });
      const maximumPixels = parseInteger('--max-pixels', flags.maxPixels, { minimum: 1 });
      const timeoutMs = parseInteger('--timeout-ms', flags.timeoutMs, { minimum: 1 });
      const defaultTop = parseInteger('--top', flags.top, { minimum: 1 });
      const token = flags.tokenFile === undefined ? undefined : await readToken(flags.tokenFile);
      const source = await openClassifierSource(runPath);
      const format = await classifierFormat(source.modelDir);
      if (format === 'onnx' && engineChoice === 'tfjs') {
        throw new InvalidArgumentError({
          argument: '--engine',
          value: 'tfjs',
          expected: `must be onnx or auto (valid choices: ${servingEngines.join(', ')}): ${source.modelDir} is an ONNX export (model.onnx, no model.json)`,
        });
      }
      const engineName = engineChoice === 'auto' ? format : engineChoice;
      // MobileNetV2 at batch 16 costs 10–20 % more CPU per image than one by one on ONNX Runtime
      // (activations outgrow the caches), 23 % less on tfjs wasm (docs/benchmarks.md, issue 27).
      const maxBatch =
        flags.maxBatch === undefined
          ? servingBatchDefaults[engineName]
          : parseInteger('--max-batch', flags.maxBatch, { minimum: 1, maximum: 1024 });
      // An ONNX export needs no tfjs backend; a tfjs model converted for ONNX Runtime loads on one.
      if (format === 'tfjs') await selectBackend();
      const classifier = await loadClassifier(source.modelDir, {
        maximumPixels,
        engine: engineName,
        threads,
      });
      try {
        // fastify, its multipart plugin and prom-client (~0.2 CPU-s) load only when serving.
        const { createPredictionServer } = await import('../serve/create-prediction-server.js');
        const server = createPredictionServer({
          classifier,
          modelInfo: { format, weightsSha256: await weightsDigest(source.modelDir, format) },
          maxBatch,
          maxWaitMs,
          maxQueue,
          bodyLimit,
          maxImages,
          timeoutMs,
          defaultTop,
          ...(token === undefined ? {} : { token }),
          ...(flags.cors === undefined ? {} : { corsOrigin: flags.cors }),
        });
        await server.warmUp();
        const address = await server.app.listen({ host: flags.host, port });
        output.result(
          `graft serve: ${source.name} (${classifier.labels.length} labels, ${engineName === 'onnx' ? `onnxruntime-node, ${threads} threads` : 'tfjs'}, max batch ${maxBatch}) at ${address}/v1/predict (SIGTERM or Ctrl-C stops)`,
        );
        await waitForStopSignal();
        output.info('graft serve: stopping (answering the requests in flight)');
        await server.close();
        const answered = (await server.metrics.requests.get()).values
          .filter((value) => value.labels.route === '/v1/predict')
          .map((value) => `${value.value} x ${value.labels.status}`);
        output.info(`graft serve: stopped (/v1/predict answers: ${answered.join(', ') || 'none'})`);
      } finally {
        await classifier.dispose();
      }
    });
}

async function readToken(file: string): Promise<string> {
  const token = (await readFile(file, 'utf8')).split('\n')[0]?.trim() ?? '';
  if (token.length < 16) {
    throw new InvalidArgumentError({
      argument: '--token-file',
      value: `${file} (first line ${token.length} characters)`,
      expected: 'must hold a token of at least 16 characters on its first line',
    });
  }
  return token;
}
