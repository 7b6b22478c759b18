import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { ClientClosedError, HttpError } from './http-error.js';

/**
 * Reads the raw request body, refusing (413) as soon as it passes `limit` bytes, so an
 * oversized body is never buffered whole. The signature is computed over these exact bytes.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        // Stop reading; the response closes the connection.
        req.resume();
        throw tooLarge(limit);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    // Node ends the iteration with "aborted" (ECONNRESET) when the client hangs up mid-body.
    if (!(error instanceof HttpError) && req.destroyed) throw new ClientClosedError();
    throw error;
  }
  if (!req.complete) throw new ClientClosedError();
  return Buffer.concat(chunks, size);
}

/** Gunzips when `Content-Encoding: gzip`, bounding the inflated size (a zip bomb gets 413). */
export function decodeContent(req: IncomingMessage, body: Buffer, limit: number): Buffer {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') {
    throw new HttpError(415, `unsupported content-encoding "${encoding}": send gzip or no encoding`);
  }
  try {
    const inflated = gunzipSync(body, { maxOutputLength: limit + 1 });
    if (inflated.length > limit) throw tooLarge(limit);
    return inflated;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(limit);
    }
    throw new HttpError(400, 'body is not valid gzip');
  }
}

/** JSON.parse with a 400 that says why, instead of a crash. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new HttpError(400, `body is not valid JSON: ${reason}`);
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `body over ${formatBytes(limit)}`);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${bytes / (1024 * 1024)} MiB`;
  return `${Math.round(bytes / 1024)} KB`;
}
