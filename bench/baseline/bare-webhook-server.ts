/**
 * What both bare ingest baselines share (bare-server.ts on SQLite, bare-pg-server.ts on
 * Postgres): `node:http` that reads the body, verifies the Standard Webhooks signature with the
 * library pls uses, parses the JSON, hands the event's row to `insert` and answers 202 after it
 * returns (synchronously on SQLite, as before: no promise is made when none is needed).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One `events` row's values, in the order of both baselines' INSERT. */
export type BareEventRow = [
  id: string,
  type: string,
  accountId: string,
  userId: string | null,
  occurredAt: number,
  receivedAt: number,
  properties: string,
  accountPatch: string,
  userPatch: string | null,
];

export function serveBareWebhooks(options: {
  secret: string;
  /** Stores the row; how many rows it added (0 for a redelivery). */
  insert: (row: BareEventRow) => number | Promise<number>;
  close: () => unknown;
}): void {
  const webhook = new Webhook(options.secret);
  const answer = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  const accepted = (n: number) => JSON.stringify({ accepted: n, duplicates: 1 - n });
  const refused = (error: unknown) => JSON.stringify({ error: (error as Error).message });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let stored: number | Promise<number>;
      try {
        webhook.verify(body, req.headers as Record<string, string>, { jsonParse: false });
        const event = JSON.parse(body.toString('utf8'));
        const { id: accountId, ...account } = event.account;
        const { id: userId, ...user } = event.user ?? { id: null };
        stored = options.insert([
          event.id,
          event.type,
          accountId,
          userId,
          Date.parse(event.timestamp),
          Date.now(),
          JSON.stringify(event.properties ?? {}),
          JSON.stringify(account),
          userId ? JSON.stringify(user) : null,
        ]);
      } catch (error) {
        answer(res, 401, refused(error));
        return;
      }
      if (typeof stored === 'number') answer(res, 202, accepted(stored));
      else
        stored.then(
          (n) => answer(res, 202, accepted(n)),
          (error: unknown) => answer(res, 401, refused(error)),
        );
    });
  });
  server.keepAliveTimeout = 5_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(
      `${JSON.stringify({ msg: 'bare server listening', port: (server.address() as AddressInfo).port })}\n`,
    );
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void Promise.resolve(options.close()).finally(() => process.exit(0));
  });
}
