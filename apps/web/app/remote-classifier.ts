import type { ClassifierMetadata, Prediction } from '@graft/trainer';

/** What `GET /v1/model` of `graft serve` answers (the fields the playground reads). */
interface ServedModel {
  name?: string;
  labels: string[];
  preprocessing: ClassifierMetadata['graft']['preprocessing'];
  activation?: ClassifierMetadata['graft']['activation'];
  threshold?: number;
  calibration?: ClassifierMetadata['graft']['calibration'] | null;
}

/**
 * A classifier served by `graft serve` (started with `--cors <this page's origin>`): the
 * playground posts each image file's own bytes to `POST /v1/predict`, so the server decodes and
 * resizes it with the Node pipeline `graft predict` uses and answers what `graft predict` would.
 * Same surface as `Classifier` where the playground needs it: `labels`, `metadata`, `dispose`.
 */
export class RemoteClassifier {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly server: string;
  /** Metadata built from `GET /v1/model` (labels, preprocessing, activation, threshold). */
  readonly metadata: ClassifierMetadata;
  readonly #token: string | undefined;

  private constructor(server: string, metadata: ClassifierMetadata, token: string | undefined) {
    this.server = server;
    this.metadata = metadata;
    this.#token = token;
  }

  /**
   * Reads `GET <server>/v1/model`. `token` is sent as `Authorization: Bearer` when the server
   * was started with `--token-file`. Rejects with the server's own error message, or a hint to
   * start it with `--cors` when the browser could not reach it.
   */
  static async connect(server: string, token?: string): Promise<RemoteClassifier> {
    const base = server.trim().replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(base)) {
      throw new Error(`server URL must start with http:// or https://; received "${server}"`);
    }
    const model = (await request(`${base}/v1/model`, {
      headers: authorization(token),
    })) as ServedModel;
    if (!Array.isArray(model.labels) || model.preprocessing === undefined) {
      throw new Error(`${base}/v1/model did not describe a graft serve model`);
    }
    const metadata = {
      labels: model.labels,
      modelName: model.name ?? 'served model',
      graft: {
        preprocessing: model.preprocessing,
        ...(model.activation === undefined ? {} : { activation: model.activation }),
        ...(model.threshold === undefined ? {} : { threshold: model.threshold }),
        ...(model.calibration ? { calibration: model.calibration } : {}),
      },
    } as unknown as ClassifierMetadata;
    return new RemoteClassifier(base, metadata, token);
  }

  /** Class names in output order. */
  get labels(): readonly string[] {
    return this.metadata.labels;
  }

  /** The top `topK` labels of one image file, classified by the server. */
  async classifyFile(file: Blob, topK: number): Promise<Prediction[]> {
    const answer = (await request(`${this.server}/v1/predict?top=${topK}`, {
      method: 'POST',
      headers: {
        'content-type': file.type.startsWith('image/') ? file.type : 'application/octet-stream',
        ...authorization(this.#token),
      },
      body: file,
    })) as { predictions: Array<{ top: Array<{ label: string; probability: number }> }> };
    return (answer.predictions[0]?.top ?? []).map(({ label, probability }) => ({
      label,
      index: this.labels.indexOf(label),
      probability,
    }));
  }

  /** Nothing to release: the model lives in the server. */
  dispose(): void {}
}

function authorization(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** fetch + JSON, with the server's `error` message (graft serve answers JSON errors) on failure. */
async function request(url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new Error(
      `could not reach ${url} (${error instanceof Error ? error.message : String(error)}); is graft serve running with --cors ${globalThis.location?.origin ?? '<this origin>'}?`,
    );
  }
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { message?: string } | string; message?: string }
    | undefined;
  if (!response.ok) {
    const message =
      typeof body?.error === 'string' ? body.error : (body?.error?.message ?? body?.message);
    throw new Error(`${url} answered ${response.status}${message ? `: ${message}` : ''}`);
  }
  return body;
}
