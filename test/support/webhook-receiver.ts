import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { TEST_MANIFEST } from './harness.js';

/** A delivery as the receiver got it, checked with Standard Webhooks' own verifier. */
export interface Received {
  id: string;
  type: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The verifier accepted the signature and timestamp. */
  verified: boolean;
  at: number;
}

/**
 * An outbound webhook's receiver on 127.0.0.1, as a customer would write one with the
 * `standardwebhooks` library: it verifies every request and answers 204, or — while `mode` says
 * so — 503, or nothing at all (a hung server).
 */
export async function startWebhookReceiver(secret: string) {
  const verifier = new Webhook(secret);
  const received: Received[] = [];
  let refused = 0;
  /** The `webhook-id` of each refused request. */
  const refusedIds: string[] = [];
  let mode: 'up' | 'down' | 'hang' = 'up';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (mode === 'hang') return;
      if (mode === 'down') {
        refused++;
        refusedIds.push(String(req.headers['webhook-id']));
        res.writeHead(503).end();
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        verifier.verify(text, req.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const body = JSON.parse(text) as Record<string, unknown>;
      received.push({
        id: String(req.headers['webhook-id']),
        type: String(body.type),
        body,
        headers: req.headers,
        verified,
        at: performance.now(),
      });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/pls`,
    received,
    /** Requests answered 503 while down. */
    refused: () => refused,
    refusedIds,
    set(next: typeof mode) {
      mode = next;
    },
    /** The received deliveries of `type`, each `webhook-id` once. */
    ofType(type: string): Received[] {
      const seen = new Set<string>();
      return received.filter((r) => r.type === type && !seen.has(r.id) && seen.add(r.id));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The test manifest with one outbound webhook to `url`, its secret in the variable `secretVariable`: the file's path. */
export function manifestWithWebhook(url: string, events: readonly string[], secretVariable: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pls-hooks-')), 'pls.yml');
  writeFileSync(
    path,
    `${readFileSync(TEST_MANIFEST, 'utf8')}
integrations:
  webhooks:
    - url: ${url}
      secret: \${${secretVariable}}
      events: [${events.join(', ')}]
`,
  );
  return path;
}
