import type { ServerResponse } from 'node:http';
import { type CodedError, ErrorCode } from '../domain/errors.js';

export interface FieldError {
  path: string;
  message: string;
}

/** The code of each status ingest answers with. */
const HTTP_CODES: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.RequestInvalid,
  401: ErrorCode.RequestUnauthenticated,
  413: ErrorCode.RequestTooLarge,
  415: ErrorCode.RequestUnsupported,
  503: ErrorCode.StorageUnavailable,
};

/** An ingest guard's refusal: its status, its code and a body that says why. */
export class HttpError extends Error implements CodedError {
  readonly code: ErrorCode;
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'HttpError';
    this.code = HTTP_CODES[status] ?? ErrorCode.RequestInvalid;
  }

  /** What the producer reads: the reason, its code, and each bad field with its reason. */
  get body(): Record<string, unknown> {
    const body = { error: this.message, code: this.code };
    return this.errors ? { ...body, errors: this.errors } : body;
  }
}

/**
 * The client went away before its body was read (a dropped upload, a cancelled request): nothing
 * to answer and nothing of ours went wrong, so it is counted and logged at info, never as an error.
 */
export class ClientClosedError extends Error implements CodedError {
  readonly code = ErrorCode.ClientClosed;
  constructor() {
    super('the client closed the connection before sending the whole body');
    this.name = 'ClientClosedError';
  }
}

/** Why ingest refused a request, for the `pls_requests_refused_total` metric. */
export type RefusalReason =
  | 'client_closed'
  | 'malformed'
  | 'unauthorised'
  | 'too_large'
  | 'unsupported'
  | 'method';

export function refusalReason(status: number): RefusalReason {
  if (status === 401) return 'unauthorised';
  if (status === 405) return 'method';
  if (status === 413) return 'too_large';
  if (status === 415) return 'unsupported';
  return 'malformed';
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
