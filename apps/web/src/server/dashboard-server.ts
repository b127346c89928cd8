import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentTypeOf } from './content-types.js';
import { RunStore } from './run-store.js';
import { decodePathSegments, resolveInside } from './safe-path.js';
import { textEncoderFile } from './text-encoder-files.js';

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  /** Folder whose sub-folders are run directories (`runs/<name>/`). Served read-only. */
  runsDir: string;
  /** Interface to bind. Default `127.0.0.1` (local only). */
  host?: string;
  /** Port; `0` (default) picks a free one. */
  port?: number;
  /** The built app (`dist/app`). Default: found beside this module. */
  appDir?: string;
  /**
   * Weight mirror roots served under `/weights/` (so the browser can load the Teachable Machine
   * MobileNetV2 base). Default: `GRAFT_MIRROR` (a path-delimiter list), else
   * `$GRAFT_SHARED_DIR/weights`.
   */
  weightsDirs?: readonly string[];
  /**
   * USE lite's folder (`model.json`, shards, `vocab.json`) served under
   * `/text-encoders/use-lite/`, for text classifiers in the playground. Default: the folder
   * `graft train` uses (`$GRAFT_MIRROR/use-lite`, else the installed model package).
   */
  useLiteDir?: string;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** Base URL, e.g. `http://127.0.0.1:5173/`. */
  url: string;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/**
 * Serves the web app and the run directories under `runsDir` through a read-only JSON API:
 * `GET /api/runs`, `/api/runs/:name` (config, history, report), `/api/runs/:name/history`,
 * `/api/runs/:name/model/:file`, `/api/runs/:name/misclassified/:split/:index`, and weights
 * under `/weights/…`. Paths are split before decoding and resolved with `realpath` inside their
 * root, so `..`, `%2e%2e`, absolute paths and symlinks leading out answer 400 or 404.
 */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  const store = new RunStore(resolve(options.runsDir));
  const appDir = options.appDir ?? defaultAppDir();
  const weightsDirs = options.weightsDirs ?? defaultWeightsDirs();
  const server = createServer((request, response) => {
    const useLiteDir = options.useLiteDir;
    handle({ request, response, store, appDir, weightsDirs, useLiteDir }).catch(
      (error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { error: String(error) });
        else response.destroy();
      },
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}

async function handle(context: {
  request: IncomingMessage;
  response: ServerResponse;
  store: RunStore;
  appDir: string;
  weightsDirs: readonly string[];
  useLiteDir: string | undefined;
}): Promise<void> {
  const { request, response, store } = context;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendJson(response, 405, { error: 'read-only server: GET only' });
    return;
  }
  const rawPath = (request.url ?? '/').split('?', 1)[0] ?? '/';
  const segments = decodePathSegments(rawPath);
  if (segments === undefined) {
    sendJson(response, 400, { error: 'bad path' });
    return;
  }
  const [first, second, name, ...rest] = segments;
  if (first === 'api') {
    if (second !== 'runs') return notFound(response);
    if (name === undefined) return sendJson(response, 200, { runs: await store.list() });
    const summary = await store.summary(name);
    if (summary === undefined) return notFound(response);
    const [what, ...more] = rest;
    if (what === undefined) {
      return sendJson(response, 200, {
        ...summary,
        config: (await store.readJson(name, ['config.json'])) ?? null,
        history: await store.history(name),
        report: (await store.readJson(name, ['report.json'])) ?? null,
      });
    }
    if (what === 'history' && more.length === 0) {
      return sendJson(response, 200, await store.history(name));
    }
    if (what === 'model' && more.length === 1) {
      const path = await store.modelFile(name, more[0] as string);
      return path === undefined
        ? notFound(response)
        : sendFile(response, path, contentTypeOf(path));
    }
    if (what === 'misclassified' && more.length === 2 && /^\d+$/.test(more[1] as string)) {
      const image = await store.misclassifiedImage(name, more[0] as string, Number(more[1]));
      return image === undefined
        ? notFound(response)
        : sendFile(response, image.path, image.contentType);
    }
    return notFound(response);
  }
  if (first === 'weights') {
    for (const root of context.weightsDirs) {
      const path = await resolveInside(root, segments.slice(1));
      if (path !== undefined && (await isFile(path))) {
        return sendFile(response, path, contentTypeOf(path));
      }
    }
    return notFound(response);
  }
  if (
    first === 'text-encoders' &&
    second === 'use-lite' &&
    name !== undefined &&
    rest.length === 0
  ) {
    const file = await textEncoderFile(name, context.useLiteDir);
    return 'path' in file
      ? sendFile(response, file.path, contentTypeOf(file.path))
      : sendJson(response, file.status, { error: file.error });
  }
  const path = await resolveInside(
    context.appDir,
    segments.length === 0 ? ['index.html'] : segments,
  );
  if (path !== undefined && (await isFile(path)))
    return sendFile(response, path, contentTypeOf(path));
  return notFound(response);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

function notFound(response: ServerResponse): void {
  sendJson(response, 404, { error: 'not found' });
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(JSON.stringify(value));
}

async function sendFile(
  response: ServerResponse,
  path: string,
  contentType: string,
): Promise<void> {
  const body = await readFile(path);
  response.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': body.byteLength,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(body);
}

/** `dist/app` beside the built module (`dist/index.js`) or above the source (`src/server/`). */
function defaultAppDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, 'app'), resolve(here, '../../dist/app')];
  return candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
}

function defaultWeightsDirs(): string[] {
  const mirror = process.env.GRAFT_MIRROR;
  if (mirror) return mirror.split(delimiter).filter((part) => part !== '');
  const shared = process.env.GRAFT_SHARED_DIR;
  return shared ? [resolve(shared, 'weights')] : [];
}
