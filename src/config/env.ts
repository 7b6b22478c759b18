import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import {
  ConfigError,
  type ConfigIssue,
  configIssue,
  createErrorMap,
  formatZodIssues,
} from './config-error.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const ENV_DEFAULTS = {
  SLACK_API_URL: 'https://slack.com/api/',
  PORT: '3000',
  DATABASE_URL: 'file:./data/pls.db',
  DATABASE_POOL_SIZE: '10',
  PLS_MANIFEST: 'manifests/pls.yml',
  LOG_LEVEL: 'info',
  HUBSPOT_API_URL: 'https://api.hubapi.com',
} as const;

/**
 * The process environment (README, "Environment"), parsed once. Secrets are here and must never be
 * logged.
 */
export interface Env {
  readonly slackBotToken: string;
  /** Null only in Socket Mode (`slackAppToken` set), where Slack requests are not signed over HTTP. */
  readonly slackSigningSecret: string | null;
  /** Set → Slack traffic uses Socket Mode; ingest still listens on `port`. */
  readonly slackAppToken: string | null;
  /** Always ends with `/`: @slack/web-api joins method names onto it. */
  readonly slackApiUrl: string;
  /** 0 = any free port (tests). */
  readonly port: number;
  /** The address to listen on; null = every interface. */
  readonly host: string | null;
  readonly databaseUrl: string;
  /** Which engine `databaseUrl` names: a SQLite file (`file:`) or Postgres (`postgres://`). */
  readonly databaseEngine: 'sqlite' | 'postgres';
  /** The file part of a SQLite `databaseUrl` (`./data/pls.db`); null on Postgres. */
  readonly databasePath: string | null;
  /** The three above as one: what the tools that open any engine take (replay, calibration). */
  readonly database: Database;
  /** Connections per instance to Postgres (`DATABASE_POOL_SIZE`). */
  readonly databasePoolSize: number;
  readonly manifestPath: string;
  /** Standard Webhooks secret (`whsec_…`); null → `/webhooks/usage` answers 401. */
  readonly webhookSecret: string | null;
  /** Segment write key; null → the `/v1/*` endpoints answer 401. */
  readonly writeKey: string | null;
  /** Set → `GET /metrics` needs `Authorization: Bearer <token>`; null → it is open. */
  readonly metricsToken: string | null;
  readonly logLevel: LogLevel;
  /** HubSpot private-app token; null → the HubSpot integration is off. */
  readonly hubspotToken: string | null;
  /** The HubSpot API's base (no trailing slash): tests and the sandbox point it at the emulator. */
  readonly hubspotApiUrl: string;
}

export type EnvSource = Readonly<Record<string, string | undefined>>;

const KEYS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_API_URL',
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'PLS_MANIFEST',
  'PLS_WEBHOOK_SECRET',
  'PLS_WRITE_KEY',
  'PLS_METRICS_TOKEN',
  'LOG_LEVEL',
  'HUBSPOT_TOKEN',
  'HUBSPOT_API_URL',
] as const;

// Secret values are never repeated in a message: it ends up in logs and CI output.
const secret = (what: string, prefix: string) =>
  z
    .string({ error: `required (${what}, ${prefix}…)` })
    .refine((value) => value.startsWith(prefix) && value.length > prefix.length, {
      error: `must be ${what}, starting with ${prefix} (the value given does not; it is not shown here)`,
    });

const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** An http(s) URL with no query or fragment; `trailingSlash` says how it ends. */
const httpUrl = (example: string, trailingSlash: boolean) =>
  z.string().transform((value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : null;
    if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      ctx.addIssue({ code: 'custom', message: `must be an http(s) URL like ${example}` });
      return z.NEVER;
    }
    if (url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry a query string or fragment' });
      return z.NEVER;
    }
    // It is logged: a password in it would be too.
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password (it is logged)' });
      return z.NEVER;
    }
    const bare = url.href.replace(/\/+$/, '');
    return trailingSlash ? `${bare}/` : bare;
  });

const envSchema = z.object({
  SLACK_BOT_TOKEN: secret('the bot token', 'xoxb-'),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: secret('an app-level token for Socket Mode', 'xapp-').optional(),
  // @slack/web-api resolves method names relative to this URL: without the slash,
  // `…/api` + `chat.postMessage` would become `…/chat.postMessage`.
  SLACK_API_URL: httpUrl(ENV_DEFAULTS.SLACK_API_URL, true).default(ENV_DEFAULTS.SLACK_API_URL),
  PORT: z
    .string()
    .default(ENV_DEFAULTS.PORT)
    .transform((value, ctx) => {
      const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
      if (!(port >= 0 && port <= 65_535)) {
        ctx.addIssue({ code: 'custom', message: `must be a port number from 0 to 65535, got "${value}"` });
        return z.NEVER;
      }
      return port;
    }),
  HOST: z
    .string()
    .refine((value) => isIP(value) !== 0 || HOSTNAME.test(value), {
      error: 'must be an IP address (127.0.0.1, ::1, 0.0.0.0) or a host name like localhost',
    })
    .optional(),
  DATABASE_URL: z
    .string()
    .default(ENV_DEFAULTS.DATABASE_URL)
    .transform((url, ctx) => {
      const database = databaseOf(url);
      if ('problem' in database) {
        // A database URL may carry credentials, so it is not echoed either.
        ctx.addIssue({ code: 'custom', message: database.problem });
        return z.NEVER;
      }
      return database;
    }),
  DATABASE_POOL_SIZE: z
    .string()
    .default(ENV_DEFAULTS.DATABASE_POOL_SIZE)
    .transform((value, ctx) => {
      const size = Number(value);
      if (!Number.isInteger(size) || size < 2 || size > 100) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from 2 to 100, got "${value}"` });
        return z.NEVER;
      }
      return size;
    }),
  PLS_MANIFEST: z.string().default(ENV_DEFAULTS.PLS_MANIFEST),
  PLS_WEBHOOK_SECRET: z
    .string()
    .refine((value) => WEBHOOK_SECRET.test(value), {
      error:
        'must be a Standard Webhooks secret: whsec_ followed by base64 (the value given is not; it is not shown here)',
    })
    .optional(),
  PLS_WRITE_KEY: z.string().optional(),
  PLS_METRICS_TOKEN: z
    .string()
    .refine((value) => value.length >= 16, {
      error: 'must be at least 16 characters (the value given is not; it is not shown here)',
    })
    .optional(),
  LOG_LEVEL: z
    .string()
    .default(ENV_DEFAULTS.LOG_LEVEL)
    .transform((value) => value.toLowerCase())
    .pipe(
      z.enum(LOG_LEVELS, {
        error: (issue) => `must be one of ${LOG_LEVELS.join(', ')}, got "${issue.input}"`,
      }),
    ),
  HUBSPOT_TOKEN: z
    .string()
    .refine((value) => value.length >= 16 && !/\s/.test(value), {
      error:
        'must be a HubSpot private-app access token (pat-…; the value given is too short or has spaces; it is not shown here)',
    })
    .optional(),
  // @hubspot/api-client joins paths onto this base: no trailing slash.
  HUBSPOT_API_URL: httpUrl(ENV_DEFAULTS.HUBSPOT_API_URL, false).default(ENV_DEFAULTS.HUBSPOT_API_URL),
});

const SIGNING_SECRET_REQUIRED =
  'required unless SLACK_APP_TOKEN is set (Socket Mode): the signing secret from the Slack app’s Basic Information page';

/** Parses the environment; throws `ConfigError` naming every bad variable. Empty or blank values count as unset. */
export function parseEnv(source: EnvSource): Env {
  const present: Record<string, string> = {};
  for (const key of KEYS) {
    // Trimmed: a secret pasted with a trailing newline would otherwise fail every signature.
    const value = source[key]?.trim();
    if (value) present[key] = value;
  }
  const result = envSchema.safeParse(present, { error: createErrorMap({ showValues: false }) });
  // Checked here rather than in a zod refinement, which would only run once every other variable is valid.
  const issues: ConfigIssue[] = [];
  if (present.SLACK_SIGNING_SECRET === undefined && present.SLACK_APP_TOKEN === undefined) {
    issues.push(configIssue('env', 'SLACK_SIGNING_SECRET', SIGNING_SECRET_REQUIRED));
  }
  if (!result.success) issues.push(...formatZodIssues(result.error, 'env'));
  if (!result.success || issues.length > 0) throw new ConfigError(sortByVariable(issues));
  const env = result.data;
  return Object.freeze({
    slackBotToken: env.SLACK_BOT_TOKEN,
    slackSigningSecret: env.SLACK_SIGNING_SECRET ?? null,
    slackAppToken: env.SLACK_APP_TOKEN ?? null,
    slackApiUrl: env.SLACK_API_URL,
    port: env.PORT,
    host: env.HOST ?? null,
    databaseUrl: env.DATABASE_URL.url,
    databaseEngine: env.DATABASE_URL.engine,
    databasePath: env.DATABASE_URL.path,
    database: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    manifestPath: env.PLS_MANIFEST,
    webhookSecret: env.PLS_WEBHOOK_SECRET ?? null,
    writeKey: env.PLS_WRITE_KEY ?? null,
    metricsToken: env.PLS_METRICS_TOKEN ?? null,
    logLevel: env.LOG_LEVEL,
    hubspotToken: env.HUBSPOT_TOKEN ?? null,
    hubspotApiUrl: env.HUBSPOT_API_URL,
  });
}

/** Issues in the order of the README's Environment table, so the message reads like the docs. */
function sortByVariable(issues: ConfigIssue[]): ConfigIssue[] {
  const rank = (issue: ConfigIssue) => KEYS.indexOf(issue.path as (typeof KEYS)[number]);
  return [...issues].sort((a, b) => rank(a) - rank(b));
}

const POSTGRES_EXAMPLE = 'postgres://user:password@host:5432/pls';

export type Database =
  | { url: string; path: null; engine: 'postgres' }
  | { url: string; path: string; engine: 'sqlite' };

/**
 * What `DATABASE_URL` names — a Postgres database or a SQLite file — or, when it names neither,
 * the problem in words that never repeat the value (it may carry a password).
 */
export function databaseOf(url: string): Database | { problem: string } {
  if (/^postgres(ql)?:\/\//.test(url)) {
    if (!URL.canParse(url)) return { problem: `must be a Postgres URL like ${POSTGRES_EXAMPLE}` };
    return { url, path: null, engine: 'postgres' };
  }
  const path = databasePathOf(url);
  if (path === null)
    return {
      problem: `must be a SQLite file URL like ${ENV_DEFAULTS.DATABASE_URL} or a Postgres URL like ${POSTGRES_EXAMPLE}`,
    };
  if (path === ':memory:')
    return {
      problem:
        'must be a SQLite file: pls scores events on a thread of its own, whose connection cannot see an in-memory database',
    };
  return { url, path, engine: 'sqlite' };
}

/**
 * The database `DATABASE_URL` names, for tools that need only the database (npm run forget,
 * replay, calibrate): the same rules as the full environment, without demanding the Slack
 * variables.
 */
export function databaseFrom(source: EnvSource): Database {
  const database = databaseOf(source.DATABASE_URL?.trim() || ENV_DEFAULTS.DATABASE_URL);
  if ('problem' in database) throw new ConfigError([configIssue('env', 'DATABASE_URL', database.problem)]);
  return database;
}

/** `file:./data/pls.db` → `./data/pls.db`; `file:///srv/pls.db` → `/srv/pls.db`; anything else → null. */
function databasePathOf(url: string): string | null {
  if (!url.startsWith('file:') || url.length === 'file:'.length) return null;
  if (!url.startsWith('file://')) return url.slice('file:'.length);
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}

/** The manifest path the environment asks for, read leniently so manifest errors can be reported next to env errors. */
export function manifestPathOf(source: EnvSource): string {
  return source.PLS_MANIFEST?.trim() || ENV_DEFAULTS.PLS_MANIFEST;
}
