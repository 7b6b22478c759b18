import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/db/store.js';
import { createRouter } from '../../../src/ingest/ingest-router.js';

async function answerOf(
  error: Error,
): Promise<{ status: number; retryAfter: string | null; body: { error: string } }> {
  const router = createRouter(
    {
      'POST /webhooks/usage': () => {
        throw error;
      },
    },
    pino({ level: 'silent' }),
  );
  const server = createServer((req, res) => router.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/usage`, { method: 'POST', body: '{}' });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as { error: string },
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('ingest router', () => {
  it('answers 503 when the event log failed to sync: the events may not be kept, send them again', async () => {
    const answer = await answerOf(new StorageError('the event log failed to sync to disk (EIO)'));
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe('5');
    expect(answer.body.error).toMatch(/may not be kept; send them again/);
  });

  it('answers 500 to anything else, saying nothing was stored', async () => {
    const answer = await answerOf(new Error('a bug'));
    expect(answer.status).toBe(500);
    expect(answer.retryAfter).toBeNull();
    expect(answer.body.error).toMatch(/nothing was stored/);
  });
});
