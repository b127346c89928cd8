import type { FastifyRequest } from 'fastify';
import { RequestError, unsupportedMediaType } from './request-error.js';

/** One uploaded image, still encoded. */
export interface UploadedImage {
  /** How the image is named in the response and in errors (file name, `image`, `images[i]`). */
  name: string;
  /** The encoded bytes. */
  bytes: Uint8Array;
}

const base64Pattern = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/**
 * The images of a `POST /v1/predict` request: the raw body (`image/*`,
 * `application/octet-stream`), every file of a `multipart/form-data` body, or the base64
 * strings of a JSON body (`{ "images": [...] }` or `{ "image": "..." }`, data URLs accepted).
 * An empty body, a wrong content type, malformed JSON or base64, or more than `maxImages`
 * images is a {@link RequestError} naming the problem.
 */
export async function readRequestImages(
  request: FastifyRequest,
  maxImages: number,
): Promise<UploadedImage[]> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  let images: UploadedImage[];
  if (contentType === 'multipart/form-data') {
    images = [];
    for await (const part of request.files()) {
      images.push({ name: part.filename || part.fieldname, bytes: await part.toBuffer() });
    }
  } else if (contentType === 'application/json') {
    images = readJsonImages(request.body);
  } else if (contentType?.startsWith('image/') || contentType === 'application/octet-stream') {
    const body = request.body as Buffer | undefined;
    images = [{ name: 'image', bytes: body ?? new Uint8Array(0) }];
  } else {
    throw new RequestError({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: unsupportedMediaType(
        contentType ? `content type ${contentType}` : 'a body without a content type',
      ),
    });
  }
  if (images.length === 0) {
    throw new RequestError({
      status: 400,
      code: 'EMPTY_BODY',
      message:
        'the request holds no image: send image bytes, multipart files or { "images": [...] }',
    });
  }
  if (images.length > maxImages) {
    throw new RequestError({
      status: 413,
      code: 'TOO_MANY_IMAGES',
      message: `the request holds ${images.length} images; at most ${maxImages} per request (--max-images)`,
    });
  }
  const empty = images.find((image) => image.bytes.length === 0);
  if (empty !== undefined) {
    throw new RequestError({
      status: 400,
      code: 'EMPTY_BODY',
      message: `${empty.name}: the image is empty (0 bytes)`,
    });
  }
  return images;
}

function readJsonImages(body: unknown): UploadedImage[] {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const strings =
    typeof record.image === 'string' ? [record.image] : (record.images as unknown[] | undefined);
  if (!Array.isArray(strings) || strings.some((value) => typeof value !== 'string')) {
    throw new RequestError({
      status: 400,
      code: 'INVALID_JSON',
      message:
        'the JSON body must be { "images": ["<base64>", …] } or { "image": "<base64>" } (strings, data URLs accepted)',
    });
  }
  return (strings as string[]).map((value, index) => {
    const name = typeof record.image === 'string' ? 'image' : `images[${index}]`;
    const text = value.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
    if (!base64Pattern.test(text)) {
      throw new RequestError({
        status: 400,
        code: 'INVALID_BASE64',
        message: `${name}: not base64 (only A-Z a-z 0-9 + / - _ and trailing = are allowed)`,
      });
    }
    return { name, bytes: Buffer.from(text, 'base64') };
  });
}
