import { describe, expect, it } from 'vitest';
import { describeQueueUrl, parseQueueUrl, redactQueueUrl } from './queue-connection.js';

describe('queue URLs', () => {
  it('accept redis:// and rediss:// with credentials, and describe them without', () => {
    const url = parseQueueUrl('rediss://worker:s3cret@queue.example:6380/2');
    expect(url.password).toBe('s3cret');
    expect(describeQueueUrl(url)).toBe('rediss://queue.example:6380/2');
    expect(describeQueueUrl(parseQueueUrl('redis://:pw@host'))).toBe('redis://host');
  });

  it('reject other schemes without repeating the password', () => {
    expect(() => parseQueueUrl('http://user:s3cret@host:6379')).toThrow(/--queue/);
    expect(() => parseQueueUrl('http://user:s3cret@host:6379')).not.toThrow(/s3cret/);
    expect(() => parseQueueUrl('not a url :s3cret@')).toThrow(/redis:\/\/host:6379/);
    expect(() => parseQueueUrl('not a url :s3cret@')).not.toThrow(/s3cret/);
  });

  it('redact a string that does not parse', () => {
    expect(redactQueueUrl('redis://user:s3cret@ho st')).toBe('redis://ho st');
  });
});
