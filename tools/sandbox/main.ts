import { ConfigError } from '../../src/config/config-error.js';
import { parseSandboxOptions, SANDBOX_USAGE, SandboxUsageError } from './sandbox-options.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from './start-sandbox.js';

/**
 * `npm run sandbox`: the Slack emulator, the real pls and the sandbox page in one process;
 * Ctrl-C (SIGINT) or SIGTERM stops all three, bounded like `npm start`.
 */
const SHUTDOWN_LIMIT_MS = 10_000;

let options: SandboxOptions;
try {
  const parsed = parseSandboxOptions(process.argv.slice(2), process.env);
  if (parsed === 'help') {
    process.stdout.write(`${SANDBOX_USAGE}\n`);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (!(error instanceof SandboxUsageError) && !code.startsWith('ERR_PARSE_ARGS')) throw error;
  process.stderr.write(`pls sandbox: ${(error as Error).message}\n\n${SANDBOX_USAGE}\n`);
  process.exit(1);
}

// Signals are handled from the start, as in src/main.ts: one that arrives while the sandbox is
// starting waits for the start to finish, then stops it cleanly.
let sandbox: RunningSandbox | null = null;
let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\n  pls sandbox: stopping…\n');
  const timer = setTimeout(() => {
    process.stderr.write('pls sandbox: shutdown took too long; exiting\n');
    process.exit(1);
  }, SHUTDOWN_LIMIT_MS);
  timer.unref();
  if (!sandbox) return;
  sandbox.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`pls sandbox: shutdown failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

try {
  sandbox = await startSandbox(options);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`pls sandbox cannot start:\n${error.message}\n`);
    process.exit(1);
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(
      `pls sandbox: port ${options.port} is taken; try PORT=${options.port + 1} npm run sandbox\n`,
    );
    process.exit(1);
  }
  throw error;
}

const { secrets, traffic } = sandbox;
process.stdout.write(
  [
    '',
    `  pls sandbox: open ${sandbox.pageUrl}`,
    '',
    `  The real pls against a Slack emulator (manifest ${options.manifestPath}, database ${options.databasePath}).`,
    options.traffic
      ? `  Demo traffic: ${traffic.status().accounts} accounts at ×${options.speed}; the first alerts arrive within a minute.`
      : '  Demo traffic is off: send your own events.',
    `  Your own events: POST ${sandbox.url}/webhooks/usage signed with PLS_WEBHOOK_SECRET=${secrets.webhookSecret}`,
    `                   or the Segment/RudderStack SDKs with host ${sandbox.url} and write key ${secrets.writeKey}`,
    '  Ctrl-C stops it.',
    '',
    '',
  ].join('\n'),
);
if (stopping) {
  stopping = false;
  shutdown();
}
