import { AssetNotFoundError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { readWeightBytesOverHttp } from './read-weight-bytes.js';
import { torchvisionWeights } from './resnet-weights.js';

describe('readWeightBytesOverHttp (browser path)', () => {
  const source = torchvisionWeights(18);

  it('fetches the canonical URL, or weightsPath when given', async () => {
    const requested: string[] = [];
    const fetchStub = (async (url: string) => {
      requested.push(url);
      return new Response(new Uint8Array([1, 2, 3]));
    }) as typeof fetch;
    const canonical = await readWeightBytesOverHttp({ source, fetch: fetchStub });
    expect([...canonical.bytes]).toEqual([1, 2, 3]);
    expect(canonical.file).toBe(
      'https://huggingface.co/timm/resnet18.tv_in1k/resolve/main/model.safetensors',
    );
    await readWeightBytesOverHttp({
      source,
      fetch: fetchStub,
      weightsPath: '/models/r18.safetensors',
    });
    expect(requested).toEqual([canonical.file, '/models/r18.safetensors']);
  });

  it('turns an HTTP error into AssetNotFoundError naming the URL', async () => {
    const fetchStub = (async () =>
      new Response('no', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    const attempt = readWeightBytesOverHttp({
      source,
      fetch: fetchStub,
      weightsPath: '/w/r18.safetensors',
    });
    await expect(attempt).rejects.toSatisfy(AssetNotFoundError.isInstance);
    await expect(attempt).rejects.toThrow(
      'Could not find r18.safetensors: HTTP 404 Not Found from /w/r18.safetensors',
    );
  });
});
