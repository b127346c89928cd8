import { InvalidArgumentError } from '@graft/core';
import type { Redis } from 'ioredis';

/** The BullMQ queue every `graft worker` pulls shard jobs from. */
export const featureQueueName = 'graft-features';

/** URL schemes `--queue` accepts (`rediss` is Redis over TLS). */
const redisSchemes = ['redis:', 'rediss:'];

/**
 * Checks a `--queue` URL (`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS)
 * and returns it parsed. The error never repeats a password.
 */
export function parseQueueUrl(text: string, argument = '--queue'): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError({
      argument,
      value: redactQueueUrl(text),
      expected: 'must be a URL like redis://host:6379 or rediss://user:password@host:6380/0',
    });
  }
  if (!redisSchemes.includes(url.protocol) || url.hostname === '') {
    throw new InvalidArgumentError({
      argument,
      value: describeQueueUrl(url),
      expected: 'must be a redis:// or rediss:// URL with a host, e.g. redis://host:6379',
    });
  }
  return url;
}

/** The URL without user name or password: what logs, errors and job payloads may show. */
export function describeQueueUrl(url: URL): string {
  const port = url.port === '' ? '' : `:${url.port}`;
  const database = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${url.hostname}${port}${database}`;
}

/** `text` with anything between the scheme and the last `@` removed (a string that does not parse). */
export function redactQueueUrl(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  return `${scheme}${text.slice(at + 1)}`;
}

/**
 * A Redis connection for BullMQ (ioredis parses user, password, database and `rediss://` TLS
 * from the URL). `maxRetriesPerRequest: null` is what BullMQ workers require: a command waits
 * for Redis to come back instead of failing, and ioredis reconnects on its own.
 */
export async function openRedis(url: URL): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(url.href, { maxRetriesPerRequest: null, lazyConnect: false });
}

/**
 * Says when Redis goes away and when it is back (ioredis keeps reconnecting meanwhile), once per
 * outage, naming the server without credentials.
 */
export function reportConnection(
  connection: Redis,
  url: URL,
  say: (message: string) => void,
  onBack?: () => void,
): void {
  let lost = false;
  connection.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    say(
      `graft: lost the connection to ${describeQueueUrl(url)} (${error.message}); waiting for it to come back…`,
    );
  });
  connection.on('ready', () => {
    if (!lost) return;
    lost = false;
    say(`graft: connected to ${describeQueueUrl(url)} again; continuing`);
    onBack?.();
  });
}
