import { ConfigError } from './config/config-error.js';
import { type Config, loadConfig } from './config/load-config.js';
import { createLogger } from './obs/logger.js';
import { startServer } from './server.js';

/** Process entry: load config → open db → build app → listen; SIGTERM/SIGINT → stop, bounded. */
const SHUTDOWN_LIMIT_MS = 10_000;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`pls cannot start:\n${error.message}\n`);
  process.exit(1);
}

const { env, manifest } = config;
const logger = createLogger(env.logLevel);
if (!env.webhookSecret)
  logger.warn('PLS_WEBHOOK_SECRET is not set: POST /webhooks/usage answers 401 until it is');
if (!env.writeKey)
  logger.warn('PLS_WRITE_KEY is not set: the Segment-compatible /v1/* endpoints answer 401 until it is');

const running = await startServer(config, logger, { host: undefined }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'start-up failed');
  process.exit(1);
});
logger.info(
  { port: running.port, mode: env.slackAppToken ? 'socket' : 'http', teams: manifest.routing.teams.length },
  `pls is listening on port ${running.port}`,
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    timer.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
