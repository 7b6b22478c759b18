import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { databaseFrom, type EnvSource, parseEnv } from '../../../src/config/env.js';

const BOT_TOKEN = 'xoxb-1111-2222-abcdefSECRET';
const SIGNING_SECRET = 'c0ffee5ec7e7signing';
const BASE: EnvSource = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET };

/** The ConfigError parseEnv throws for `source`. */
function envError(source: EnvSource): ConfigError {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected parseEnv to throw a ConfigError');
}

describe('parseEnv', () => {
  it('fills every default around the two required variables', () => {
    expect(parseEnv(BASE)).toEqual({
      slackBotToken: BOT_TOKEN,
      slackSigningSecret: SIGNING_SECRET,
      slackAppToken: null,
      slackApiUrl: 'https://slack.com/api/',
      port: 3000,
      host: null,
      databaseUrl: 'file:./data/pls.db',
      databaseEngine: 'sqlite',
      databasePath: './data/pls.db',
      database: { url: 'file:./data/pls.db', path: './data/pls.db', engine: 'sqlite' },
      databasePoolSize: 10,
      manifestPath: 'manifests/pls.yml',
      webhookSecret: null,
      writeKey: null,
      metricsToken: null,
      logLevel: 'info',
      hubspotToken: null,
      hubspotApiUrl: 'https://api.hubapi.com',
    });
  });

  it('reads the HubSpot token and API base, and refuses a token with spaces without showing it', () => {
    const env = parseEnv({
      ...BASE,
      HUBSPOT_TOKEN: 'pat-na1-0123456789abcdef',
      HUBSPOT_API_URL: 'http://127.0.0.1:9/',
    });
    expect(env.hubspotToken).toBe('pat-na1-0123456789abcdef');
    expect(env.hubspotApiUrl).toBe('http://127.0.0.1:9');
    const bad = () => parseEnv({ ...BASE, HUBSPOT_TOKEN: 'pat-na1 0123456789abcdef' });
    expect(bad).toThrow(/HUBSPOT_TOKEN: must be a HubSpot private-app access token/);
    expect(bad).not.toThrow(/0123456789abcdef/);
    expect(() => parseEnv({ ...BASE, HUBSPOT_API_URL: 'https://me:hunter2@api.example' })).toThrow(
      /HUBSPOT_API_URL: must not carry a user name or password/,
    );
    expect(() => parseEnv({ ...BASE, HUBSPOT_API_URL: 'ftp://x' })).toThrow(
      /HUBSPOT_API_URL: must be an http\(s\) URL/,
    );
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(parseEnv(BASE))).toBe(true);
  });

  it('reads every variable when set', () => {
    const env = parseEnv({
      ...BASE,
      SLACK_APP_TOKEN: 'xapp-1-A0-abc',
      SLACK_API_URL: 'http://127.0.0.1:4010/api/',
      PORT: '8080',
      DATABASE_URL: 'file:/var/lib/pls/pls.db',
      PLS_MANIFEST: 'config/acme.yml',
      PLS_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      PLS_WRITE_KEY: 'wk_live_123',
      LOG_LEVEL: 'debug',
    });
    expect(env).toMatchObject({
      slackAppToken: 'xapp-1-A0-abc',
      slackApiUrl: 'http://127.0.0.1:4010/api/',
      port: 8080,
      databasePath: '/var/lib/pls/pls.db',
      manifestPath: 'config/acme.yml',
      webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      writeKey: 'wk_live_123',
      logLevel: 'debug',
    });
  });

  it('ignores variables it does not own', () => {
    expect(parseEnv({ ...BASE, HOME: '/root', SLACK_CLIENT_ID: 'x' })).not.toHaveProperty('HOME');
  });

  describe('SLACK_BOT_TOKEN', () => {
    it('is required', () => {
      expect(envError({ SLACK_SIGNING_SECRET: SIGNING_SECRET }).message).toBe(
        'env SLACK_BOT_TOKEN: required (the bot token, xoxb-…)',
      );
    });

    it('counts an empty or blank value as unset', () => {
      expect(envError({ ...BASE, SLACK_BOT_TOKEN: '' }).issues).toEqual([
        expect.objectContaining({ path: 'SLACK_BOT_TOKEN', message: 'required (the bot token, xoxb-…)' }),
      ]);
      expect(envError({ ...BASE, SLACK_BOT_TOKEN: '  ' }).issues[0]?.message).toMatch(/^required/);
    });

    it('must be a bot token, and the wrong token is not repeated', () => {
      const userToken = 'xoxp-9999-user-token-SECRET';
      const error = envError({ ...BASE, SLACK_BOT_TOKEN: userToken });
      expect(error.message).toMatch(/^env SLACK_BOT_TOKEN: must be the bot token, starting with xoxb-/);
      expect(error.message).not.toContain(userToken);
      expect(error.message).not.toContain('SECRET');
    });

    it('rejects the bare prefix', () => {
      expect(envError({ ...BASE, SLACK_BOT_TOKEN: 'xoxb-' }).issues[0]?.path).toBe('SLACK_BOT_TOKEN');
    });

    it('is trimmed, so a token pasted with a newline still works', () => {
      expect(parseEnv({ ...BASE, SLACK_BOT_TOKEN: `${BOT_TOKEN}\n` }).slackBotToken).toBe(BOT_TOKEN);
    });
  });

  describe('SLACK_SIGNING_SECRET and SLACK_APP_TOKEN', () => {
    it('require the signing secret in HTTP mode', () => {
      expect(envError({ SLACK_BOT_TOKEN: BOT_TOKEN }).message).toMatch(
        /^env SLACK_SIGNING_SECRET: required unless SLACK_APP_TOKEN is set \(Socket Mode\)/,
      );
    });

    it('make the signing secret optional in Socket Mode', () => {
      const env = parseEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-1-A0-abc' });
      expect(env.slackSigningSecret).toBeNull();
      expect(env.slackAppToken).toBe('xapp-1-A0-abc');
    });

    it('keep a signing secret given alongside the app token', () => {
      const env = parseEnv({ ...BASE, SLACK_APP_TOKEN: 'xapp-1-A0-abc' });
      expect(env.slackSigningSecret).toBe(SIGNING_SECRET);
    });

    it('require the app token to be an xapp- token', () => {
      const error = envError({ ...BASE, SLACK_APP_TOKEN: 'xoxb-wrong-kind' });
      expect(error.issues.map((issue) => issue.path)).toEqual(['SLACK_APP_TOKEN']);
      expect(error.message).toContain('starting with xapp-');
      expect(error.message).not.toContain('xoxb-wrong-kind');
    });
  });

  describe('SLACK_API_URL', () => {
    it.each([
      ['https://slack.com/api/', 'https://slack.com/api/'],
      ['https://slack.com/api', 'https://slack.com/api/'],
      ['http://127.0.0.1:4010/api', 'http://127.0.0.1:4010/api/'],
      ['http://localhost:4010', 'http://localhost:4010/'],
    ])('normalises %j to end with a slash', (given, expected) => {
      expect(parseEnv({ ...BASE, SLACK_API_URL: given }).slackApiUrl).toBe(expected);
    });

    it.each(['ftp://slack.com/api/', 'slack.com/api', 'https://slack.com/api/?x=1'])(
      'rejects %j',
      (given) => {
        expect(envError({ ...BASE, SLACK_API_URL: given }).issues.map((issue) => issue.path)).toEqual([
          'SLACK_API_URL',
        ]);
      },
    );
  });

  describe('HOST', () => {
    it.each(['127.0.0.1', '0.0.0.0', '::1', '::', 'localhost', 'pls.internal.example'])(
      'takes %s',
      (host) => {
        expect(parseEnv({ ...BASE, HOST: host }).host).toBe(host);
      },
    );

    it.each(['http://localhost', '127.0.0.1:3000', 'a b'])('refuses %j', (host) => {
      expect(envError({ ...BASE, HOST: host }).message).toBe(
        'env HOST: must be an IP address (127.0.0.1, ::1, 0.0.0.0) or a host name like localhost',
      );
    });
  });

  describe('PLS_METRICS_TOKEN', () => {
    it('is read when set, and refused, without being shown, when too short to be a secret', () => {
      expect(parseEnv({ ...BASE, PLS_METRICS_TOKEN: 'metrics-token-0123456789' }).metricsToken).toBe(
        'metrics-token-0123456789',
      );
      const message = envError({ ...BASE, PLS_METRICS_TOKEN: 'short' }).message;
      expect(message).toBe(
        'env PLS_METRICS_TOKEN: must be at least 16 characters (the value given is not; it is not shown here)',
      );
    });
  });

  describe('PORT', () => {
    it.each([
      ['0', 0],
      ['65535', 65535],
      ['', 3000],
    ])('reads %j as %d', (given, port) => {
      expect(parseEnv({ ...BASE, PORT: given }).port).toBe(port);
    });

    it.each(['65536', '-1', '3.5', 'http', '1e3'])('rejects %j', (given) => {
      expect(envError({ ...BASE, PORT: given }).message).toBe(
        `env PORT: must be a port number from 0 to 65535, got "${given}"`,
      );
    });
  });

  describe('DATABASE_URL', () => {
    it.each([
      ['file:./data/pls.db', './data/pls.db'],
      ['file:/srv/pls.db', '/srv/pls.db'],
      ['file:///srv/pls.db', '/srv/pls.db'],
    ])('exposes the path of %j', (url, path) => {
      const env = parseEnv({ ...BASE, DATABASE_URL: url });
      expect(env.databaseUrl).toBe(url);
      expect(env.databasePath).toBe(path);
    });

    it('reads a Postgres URL and its pool size', () => {
      const url = 'postgres://pls:hunter2@db.internal:5432/pls?sslmode=require';
      const env = parseEnv({ ...BASE, DATABASE_URL: url, DATABASE_POOL_SIZE: '25' });
      expect(env).toMatchObject({
        databaseUrl: url,
        databaseEngine: 'postgres',
        databasePath: null,
        database: { url, path: null, engine: 'postgres' },
        databasePoolSize: 25,
      });
      expect(parseEnv({ ...BASE, DATABASE_URL: 'postgresql://db/pls' }).databaseEngine).toBe('postgres');
    });

    it('rejects a URL of no engine it knows without repeating its credentials', () => {
      const error = envError({ ...BASE, DATABASE_URL: 'mysql://pls:hunter2@db/pls' });
      expect(error.message).toBe(
        'env DATABASE_URL: must be a SQLite file URL like file:./data/pls.db or a Postgres URL like postgres://user:password@host:5432/pls',
      );
      expect(error.message).not.toContain('hunter2');
      expect(envError({ ...BASE, DATABASE_URL: 'postgres://pls:hunter2@[db/pls' }).message).not.toContain(
        'hunter2',
      );
    });

    it('rejects a pool size that is not a whole number from 2 to 100', () => {
      for (const size of ['1', '101', '2.5', 'ten'])
        expect(envError({ ...BASE, DATABASE_POOL_SIZE: size }).issues[0]?.path).toBe('DATABASE_POOL_SIZE');
    });

    it('rejects an in-memory database, which the scoring thread could not open', () => {
      expect(envError({ ...BASE, DATABASE_URL: 'file::memory:' }).message).toBe(
        'env DATABASE_URL: must be a SQLite file: pls scores events on a thread of its own, whose connection cannot see an in-memory database',
      );
    });

    it('rejects a bare file: prefix', () => {
      expect(envError({ ...BASE, DATABASE_URL: 'file:' }).issues[0]?.path).toBe('DATABASE_URL');
    });
  });

  describe('PLS_WEBHOOK_SECRET', () => {
    it.each(['whsec_', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_not base64!'])('rejects %j', (given) => {
      // The message is fixed text: whatever was given is not in it.
      expect(envError({ ...BASE, PLS_WEBHOOK_SECRET: given }).message).toBe(
        'env PLS_WEBHOOK_SECRET: must be a Standard Webhooks secret: whsec_ followed by base64 (the value given is not; it is not shown here)',
      );
    });
  });

  describe('LOG_LEVEL', () => {
    it('accepts any case', () => {
      expect(parseEnv({ ...BASE, LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
    });

    it('names the allowed levels', () => {
      expect(envError({ ...BASE, LOG_LEVEL: 'loud' }).message).toBe(
        'env LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      );
    });
  });

  it('reports every bad variable at once, one line each, in the documented order', () => {
    const error = envError({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'PORT',
      'LOG_LEVEL',
    ]);
    expect(error.message.split('\n')).toHaveLength(4);
    expect(error.message.split('\n').every((line) => line.startsWith('env '))).toBe(true);
  });

  it('never repeats a secret in its message', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'xoxp-leaked-bot',
      SLACK_APP_TOKEN: 'xoxb-leaked-app',
      PLS_WEBHOOK_SECRET: 'leaked-webhook',
      DATABASE_URL: 'mysql://root:leaked-db@x/y',
    };
    const error = envError(secrets);
    expect(error.issues).toHaveLength(4);
    expect(error.message).not.toContain('leaked');
  });
});

describe('databaseFrom (the tools that need only the database)', () => {
  it('names the engine and the file, and refuses a bad URL without echoing it', () => {
    expect(databaseFrom({ DATABASE_URL: 'file:./data/x.db' })).toEqual({
      url: 'file:./data/x.db',
      path: './data/x.db',
      engine: 'sqlite',
    });
    const url = 'postgres://pls:secret@db:5432/pls';
    expect(databaseFrom({ DATABASE_URL: url })).toEqual({ url, path: null, engine: 'postgres' });
    const bad = 'postgres://pls:secret@db:5432:7/pls';
    expect(() => databaseFrom({ DATABASE_URL: bad })).toThrow(
      /env DATABASE_URL: must be a Postgres URL like/,
    );
    expect(() => databaseFrom({ DATABASE_URL: bad })).not.toThrow(/secret/);
  });
});
