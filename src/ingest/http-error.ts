import type { ServerResponse } from 'node:http';

export interface FieldError {
  path: string;
  message: string;
}

/** An ingest guard's refusal: its status and a body that says why. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): Record<string, unknown> {
    return this.errors ? { error: this.message, errors: this.errors } : { error: this.message };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
