import { FileFormatError, GraftError } from '@graft/core';
import { QueueFullError, QueueTimeoutError } from './dynamic-batcher.js';

/** An error answered with `status` and a JSON body `{ error: { code, message } }`. */
export class RequestError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Stable code for clients and the `graft_errors_total` metric. */
  readonly code: string;

  constructor(options: {
    /** HTTP status (4xx for the client's mistakes). */
    status: number;
    /** Stable code, e.g. `EMPTY_BODY`. */
    code: string;
    /** What was wrong and what would be accepted. */
    message: string;
  }) {
    super(options.message);
    this.name = 'RequestError';
    this.status = options.status;
    this.code = options.code;
  }
}

/** Fastify's and @fastify/multipart's own client errors, renamed and explained. */
const frameworkErrors: Record<string, { code: string; explain: (limit: number) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'BODY_TOO_LARGE',
    explain: (limit) => `the request body is over the limit of ${limit} bytes (--body-limit)`,
  },
  FST_REQ_FILE_TOO_LARGE: {
    code: 'BODY_TOO_LARGE',
    explain: (limit) => `an uploaded file is over the limit of ${limit} bytes (--body-limit)`,
  },
  FST_FILES_LIMIT: {
    code: 'TOO_MANY_IMAGES',
    explain: () => 'the request has more files than --max-images allows',
  },
  FST_PARTS_LIMIT: {
    code: 'TOO_MANY_IMAGES',
    explain: () => 'the multipart request has more parts than --max-images allows',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    explain: () => unsupportedMediaType('this content type'),
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'EMPTY_BODY',
    explain: () => 'the JSON body is empty: send { "images": ["<base64>", …] }',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'INVALID_JSON',
    explain: () => 'the body is not valid JSON: send { "images": ["<base64>", …] }',
  },
};

/** The message for a content type the predict route does not read. */
export function unsupportedMediaType(what: string): string {
  return `${what} is not accepted: send the image bytes as image/* or application/octet-stream, several images as multipart/form-data files, or application/json { "images": ["<base64>", …] }`;
}

/** Status, code and message answering `error`; unknown errors are 500 INTERNAL. */
export function describeRequestError(
  error: unknown,
  bodyLimit: number,
): { status: number; code: string; message: string } {
  if (error instanceof RequestError) {
    return { status: error.status, code: error.code, message: error.message };
  }
  if (error instanceof QueueFullError || error instanceof QueueTimeoutError) {
    return { status: 503, code: error.code, message: error.message };
  }
  if (FileFormatError.isInstance(error)) {
    // The decoders' pixel cap (checked from the header, before decoding).
    const oversized = /exceeds the limit of \d+ pixels/.test(error.message);
    return {
      status: oversized ? 413 : 422,
      code: oversized ? 'IMAGE_TOO_LARGE' : 'BAD_IMAGE',
      message: error.message,
    };
  }
  if (GraftError.isInstance(error) && error.code === 'INVALID_ARGUMENT') {
    return { status: 400, code: 'INVALID_ARGUMENT', message: error.message };
  }
  const framework = error as { code?: string; statusCode?: number; message?: string };
  const known = framework.code === undefined ? undefined : frameworkErrors[framework.code];
  if (known !== undefined) {
    return {
      status: framework.statusCode ?? 400,
      code: known.code,
      message: known.explain(bodyLimit),
    };
  }
  if (
    typeof framework.statusCode === 'number' &&
    framework.statusCode >= 400 &&
    framework.statusCode < 500
  ) {
    return {
      status: framework.statusCode,
      code: framework.code ?? 'BAD_REQUEST',
      message: framework.message ?? 'bad request',
    };
  }
  return {
    status: 500,
    code: 'INTERNAL',
    message: `internal error: ${framework.message ?? String(error)}`,
  };
}
