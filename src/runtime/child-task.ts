import { fork } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModuleAt } from './module-path.js';

/**
 * Runs one request in a child Node process and resolves with its one answer: for work that is
 * synchronous CPU for seconds (a replay), which must not block the bot's event loop and can use
 * another core. The child is `module` (`moduleBeside` the caller) that answers with
 * `answerOnce`. Under tsx (the `npm run` tools, vitest) the child gets the same TypeScript loader.
 */
export function runInChild<Request, Answer>(
  module: ModuleAt,
  request: Request,
  options: {
    timeoutMs?: number;
    execArgv?: readonly string[];
    /** Hears what the child reports before it answers (`report` in `answerOnce`): a replay's events so far. */
    onProgress?: (done: number) => void;
  } = {},
): Promise<Answer> {
  const { url, typescript } = module;
  const path = fileURLToPath(url);
  const name = basename(path).replace(/\.[jt]s$/, '');
  const execArgv = [
    ...(options.execArgv ?? []),
    ...(typescript ? ['--import', import.meta.resolve('tsx')] : []),
  ];
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  return new Promise((resolve, reject) => {
    const child = fork(path, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const finish = (error: Error | null, answer?: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new Error(`${name} took longer than ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    child.on('message', (message: ChildMessage<Answer>) => {
      if ('progress' in message) options.onProgress?.(message.progress);
      else if (message.ok) finish(null, message.answer);
      else finish(new Error(message.error));
    });
    child.once('error', (error) => finish(error));
    child.once('exit', (code, signal) =>
      finish(new Error(`${name} exited (${signal ?? `code ${code}`}) without an answer`)),
    );
    child.send(request as Parameters<typeof child.send>[0]);
  });
}

type ChildMessage<Answer> =
  | { ok: true; answer: Answer }
  | { ok: false; error: string }
  | { progress: number };

/**
 * The child's side: handle the one request, send the answer (or the error's message), exit.
 * `report` tells the parent how far it got (`onProgress` in `runInChild`); IPC writes to a pipe
 * that has room go out at once, so reports arrive while a synchronous handler still works.
 */
export function answerOnce<Request, Answer>(
  handle: (request: Request, report: (done: number) => void) => Answer | Promise<Answer>,
): void {
  const report = (done: number) => {
    process.send!({ progress: done } satisfies ChildMessage<Answer>);
  };
  process.once('message', async (request: Request) => {
    let message: ChildMessage<Answer>;
    try {
      message = { ok: true, answer: await handle(request, report) };
    } catch (error) {
      message = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    process.send!(message, () => process.disconnect());
  });
}
