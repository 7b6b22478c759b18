import { type LevelWithSilent, type Logger, pino } from 'pino';

/**
 * Structured JSON logs. Tokens, secrets and signatures are redacted wherever they would appear,
 * so a logged request or config object can never leak them: secrets never appear in logs.
 */
export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'pls' },
      redact: {
        paths: [
          'token',
          '*.token',
          'headers.authorization',
          'req.headers.authorization',
          'req.headers["webhook-signature"]',
          'req.headers["x-slack-signature"]',
          'env.slackBotToken',
          'env.slackSigningSecret',
          'env.slackAppToken',
          'env.webhookSecret',
          'env.writeKey',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
