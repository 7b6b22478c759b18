import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createRecorder, type LatencyRecorder } from './latency.js';

/**
 * A small HTTP/1.1 load generator on raw keep-alive sockets (what autocannon does, in a few
 * hundred lines): requests are encoded to bytes before the clock starts, and a response is
 * parsed only as far as its status, length and body. Measured here against a trivial server on
 * the other core, at 50 connections: 14,700 req/s using 0.27 of the client core, where
 * `node:http` with a keep-alive Agent reached 2,700 req/s and `fetch` 470 (BENCHMARKS.md), so
 * the figures measure the server, not the client.
 */
export interface HttpResponse {
  status: number;
  body: Buffer;
}

export interface Target {
  host: string;
  port: number;
}

export function targetOf(url: string): Target {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** The request as bytes, with `Content-Length` and the `Host` header. */
export function encodeRequest(
  target: Target,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer = '',
): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${target.host}:${target.port}\r\ncontent-length: ${payload.length}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`), payload]);
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection: one request in flight at a time (no pipelining). */
export class Connection {
  private socket: Socket | null = null;
  private connecting: Promise<void> | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: HttpResponse) => void; reject: (e: Error) => void } | null = null;
  private closeAfter = false;

  constructor(
    private readonly target: Target,
    /** A response slower than this fails the request and drops the connection: no run hangs. */
    private readonly timeoutMs = 15_000,
  ) {}

  async send(request: Buffer): Promise<HttpResponse> {
    if (!this.socket || this.socket.destroyed) await this.open();
    return new Promise<HttpResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`no response within ${this.timeoutMs} ms`));
        this.close();
      }, this.timeoutMs);
      this.waiting = {
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.socket!.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Promise<void> {
    this.connecting ??= new Promise<void>((resolve, reject) => {
      this.buffer = Buffer.alloc(0);
      this.closeAfter = false;
      const socket = connect(this.target.port, this.target.host);
      socket.setNoDelay(true);
      socket.once('connect', () => {
        this.socket = socket;
        this.connecting = null;
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (error) => {
        this.connecting = null;
        reject(error);
        this.fail(error);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
        this.fail(new Error('connection closed before the response'));
      });
    });
    return this.connecting;
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const response = this.parse();
    if (!response) return;
    const waiting = this.waiting;
    this.waiting = null;
    if (this.closeAfter) this.close();
    waiting?.resolve(response);
  }

  /** A whole response off the front of the buffer, or null until it has arrived. */
  private parse(): HttpResponse | null {
    const end = this.buffer.indexOf(HEADER_END);
    if (end < 0) return null;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    let length = -1;
    let chunked = false;
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding' && value.includes('chunked')) chunked = true;
      else if (name === 'connection' && value === 'close') this.closeAfter = true;
    }
    const start = end + 4;
    if (chunked) {
      const parts: Buffer[] = [];
      let at = start;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return null;
        const size = Number.parseInt(this.buffer.toString('latin1', at, lineEnd), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return null;
        if (size === 0) {
          this.buffer = this.buffer.subarray(lineEnd + 4);
          return { status, body: Buffer.concat(parts) };
        }
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    const size = Math.max(0, length);
    if (this.buffer.length < start + size) return null;
    const body = this.buffer.subarray(start, start + size);
    this.buffer = this.buffer.subarray(start + size);
    return { status, body };
  }
}

export interface LoadResult {
  /** Requests completed inside the measured window. */
  requests: number;
  errors: number;
  /** Responses by status, inside the measured window. */
  statuses: Record<string, number>;
  seconds: number;
  perSecond: number;
  latency: LatencyRecorder;
  /** The first error, for the report. */
  firstError: string | null;
}

export interface ClosedLoopOptions {
  target: Target;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** The next request's bytes (built before the run; cheap to hand out). */
  next: () => Buffer;
  /** Every response, also during warm-up. */
  onResponse?: (response: HttpResponse, sentAt: number, doneAt: number) => void;
}

/**
 * Closed loop: `connections` clients each send, wait for the answer, send again. Throughput
 * and latency are counted only after `warmupMs`.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const latency = createRecorder();
  const statuses: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const measureFrom = started + options.warmupMs;
  const end = measureFrom + options.durationMs;
  const worker = async () => {
    const connection = new Connection(options.target);
    try {
      while (performance.now() < end) {
        const request = options.next();
        const sentAt = performance.now();
        try {
          const response = await connection.send(request);
          const doneAt = performance.now();
          options.onResponse?.(response, sentAt, doneAt);
          if (sentAt >= measureFrom && doneAt <= end) {
            requests++;
            statuses[response.status] = (statuses[response.status] ?? 0) + 1;
            latency.record(doneAt - sentAt);
          }
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
          connection.close();
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = options.durationMs / 1000;
  return { requests, errors, statuses, seconds, perSecond: requests / seconds, latency, firstError };
}

export interface OpenLoopOptions {
  target: Target;
  /** Requests a second, sent on a clock whatever the server does. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** Connections opened at most; a request that finds none free waits, and that wait is counted. */
  maxConnections: number;
  next: () => Buffer;
}

/**
 * Open loop: request i is due at start + i / rate. Latency runs from that scheduled time, not
 * from when the request could be sent, so a server stall shows up in full in every request it
 * delayed (no coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<LoadResult & { lateSends: number }> {
  const latency = createRecorder();
  const statuses: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let lateSends = 0;
  let firstError: string | null = null;
  const free: Connection[] = [];
  let opened = 0;
  const backlog: number[] = [];
  const interval = 1000 / options.rate;
  const started = performance.now();
  const measureFrom = started + options.warmupMs;
  const end = measureFrom + options.durationMs;
  const total = Math.floor((options.warmupMs + options.durationMs) / interval);
  let scheduled = 0;
  let inFlight = 0;

  return new Promise((resolve) => {
    const finish = () => {
      for (const connection of free) connection.close();
      const seconds = options.durationMs / 1000;
      resolve({
        requests,
        errors,
        statuses,
        seconds,
        perSecond: requests / seconds,
        latency,
        firstError,
        lateSends,
      });
    };
    const dispatch = (dueAt: number) => {
      let connection = free.pop() ?? null;
      if (!connection && opened < options.maxConnections) {
        opened++;
        connection = new Connection(options.target);
      }
      if (!connection) {
        backlog.push(dueAt);
        return;
      }
      if (performance.now() - dueAt > 1) lateSends++;
      inFlight++;
      connection.send(options.next()).then(
        (response) => {
          const doneAt = performance.now();
          if (dueAt >= measureFrom && dueAt < end) {
            requests++;
            statuses[response.status] = (statuses[response.status] ?? 0) + 1;
            latency.record(doneAt - dueAt);
          }
          release(connection);
        },
        (error: Error) => {
          errors++;
          firstError ??= error.message;
          connection.close();
          release(connection);
        },
      );
    };
    const release = (connection: Connection) => {
      inFlight--;
      free.push(connection);
      const waiting = backlog.shift();
      if (waiting !== undefined) dispatch(waiting);
      else if (scheduled >= total && inFlight === 0) finish();
    };
    const tick = () => {
      const now = performance.now();
      while (scheduled < total && started + scheduled * interval <= now) {
        dispatch(started + scheduled * interval);
        scheduled++;
      }
      if (scheduled < total) {
        setTimeout(tick, Math.max(0, started + scheduled * interval - performance.now() - 0.5));
      } else if (inFlight === 0 && backlog.length === 0) finish();
    };
    tick();
  });
}

export interface FeedRunOptions {
  target: Target;
  connections: number;
  /** Requests to send, in order; the run ends when it is exhausted or at `limitMs`. */
  requests: Iterator<Buffer>;
  limitMs: number;
  onResponse?: (response: HttpResponse) => void;
}

/** Sends a finite feed over `connections` keep-alive connections, as fast as the server answers. */
export async function runFeed(options: FeedRunOptions): Promise<{
  requests: number;
  errors: number;
  seconds: number;
  latency: LatencyRecorder;
  cut: boolean;
  firstError: string | null;
}> {
  const latency = createRecorder();
  let requests = 0;
  let errors = 0;
  let firstError: string | null = null;
  let cut = false;
  const started = performance.now();
  const worker = async () => {
    const connection = new Connection(options.target, 60_000);
    try {
      for (;;) {
        if (performance.now() - started > options.limitMs) {
          cut = true;
          return;
        }
        const next = options.requests.next();
        if (next.done) return;
        const sentAt = performance.now();
        try {
          const response = await connection.send(next.value);
          latency.record(performance.now() - sentAt);
          requests++;
          options.onResponse?.(response);
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
          connection.close();
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  return { requests, errors, seconds: (performance.now() - started) / 1000, latency, cut, firstError };
}
