import { ConfigError, formatConfigIssue } from './config/config-error.js';
import { type Config, loadConfig } from './config/load-config.js';
import { manifestWarnings } from './config/manifest-warnings.js';
import { createLogger } from './obs/logger.js';
import { type RunningServer, startServer } from './server.js';

/** Process entry: load config → open db → build app → listen; SIGTERM/SIGINT → stop, bounded. */
const SHUTDOWN_LIMIT_MS = 10_000;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${headline(error)}\n${error.message}\n`);
  process.exit(1);
}

/** Without a usable bot token the first line also says how to try pls with no Slack workspace at all. */
function headline(error: ConfigError): string {
  const token = error.issues.find((issue) => issue.source === 'env' && issue.path === 'SLACK_BOT_TOKEN');
  if (!token) return 'pls cannot start:';
  const problem = token.message.startsWith('required')
    ? 'Slack credentials are missing'
    : 'SLACK_BOT_TOKEN is not a bot token';
  return `pls cannot start: ${problem} (details below); \`npm run sandbox\` runs pls locally with no Slack workspace.`;
}

const { env, manifest } = config;
const logger = createLogger(env.logLevel);
if (!env.webhookSecret)
  logger.warn('PLS_WEBHOOK_SECRET is not set: POST /webhooks/usage answers 401 until it is');
if (!env.writeKey)
  logger.warn('PLS_WRITE_KEY is not set: the Segment-compatible /v1/* endpoints answer 401 until it is');
for (const warning of manifestWarnings(manifest)) logger.warn(`manifest ${env.manifestPath}: ${warning}`);

// Signals are handled from before the first byte is served: a SIGTERM that arrives while pls
// is starting waits for the start to finish, then stops it cleanly.
let running: RunningServer | null = null;
let stopping = false;
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const timer = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_LIMIT_MS);
  timer.unref();
  if (running) stopRunning(running); // else start-up finishes first, then sees `stopping`
}
function stopRunning(server: RunningServer): void {
  server.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

running = await startServer(config, logger).catch((error: unknown) => {
  // One line per problem, never a stack (README, "Environment"); the stack only at debug.
  logger.debug({ err: error }, 'start-up failed');
  const lines =
    error instanceof ConfigError
      ? error.issues.map(formatConfigIssue)
      : [(error instanceof Error ? error.message : String(error)).split('\n')[0]];
  process.stderr.write(lines.map((line) => `pls cannot start: ${line}\n`).join(''));
  process.exit(1);
});
logger.info(
  {
    host: env.host ?? 'all interfaces',
    port: running.port,
    mode: env.slackAppToken ? 'socket' : 'http',
    teams: manifest.routing.teams.length,
  },
  `pls is listening on ${env.host ?? 'all interfaces'}, port ${running.port}`,
);
if (stopping) stopRunning(running);
