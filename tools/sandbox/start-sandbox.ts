import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { LogLevel } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadManifest } from '../../src/config/manifest.js';
import { createLogger } from '../../src/obs/logger.js';
import type { Clock } from '../../src/runtime/clock.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { commandsFor } from '../../src/slack/listeners/commands/pls.js';
import type { SlackEmulator } from '../emulator/emulator-types.js';
import { createHubSpotEmulator, type HubSpotEmulator } from '../emulator/hubspot-emulator.js';
import { createSlackEmulator } from '../emulator/slack-emulator.js';
import { type Colleagues, createColleagues } from './colleagues.js';
import { createSandboxRoutes } from './sandbox-routes.js';
import { createSandboxSlack, type SandboxSlack } from './slack-client.js';
import { SLACK_IDS } from './slack-requests.js';
import { createTrafficPlayer, type TrafficPlayer } from './traffic-player.js';
import { createWorkspace, type Workspace } from './workspace.js';

export interface SandboxOptions {
  /** 0 = any free port. */
  port: number;
  /** Interface to listen on; the sandbox has no authentication, so loopback unless asked. */
  host: string;
  /** Deleted and created afresh: every sandbox starts empty. */
  databasePath: string;
  manifestPath: string;
  /** Play the demo story. */
  traffic: boolean;
  /** Divides the demo's live timeline and the colleagues' delays. */
  speed: number;
  /** Simulated reps work some alerts, so /pls sla has claims and outcomes to show. */
  colleagues: boolean;
  seed?: number;
  accounts?: number;
  logLevel: LogLevel;
  /** Instead of a logger at `logLevel` (tests pass a silent one). */
  logger?: Logger;
  /**
   * pls's clock, which the emulator, the demo story and the simulated reps read too: tests start
   * the sandbox at a chosen hour, and move time instead of waiting for it. Default: the wall clock.
   */
  clock?: Clock;
}

export interface RunningSandbox {
  /** The page: `http://localhost:<port>/sandbox`. */
  pageUrl: string;
  /** Where pls answers (`/webhooks/usage`, `/slack/events`, …), on the same port. */
  url: string;
  port: number;
  emulator: SlackEmulator;
  /** The HubSpot portal pls writes back to (GET /sandbox/hubspot shows it). */
  hubspot: HubSpotEmulator;
  workspace: Workspace;
  server: RunningServer;
  traffic: TrafficPlayer;
  /** Presses, submits and commands as a person, signed as Slack signs them (what the page uses). */
  slack: SandboxSlack;
  /** What pls was started with, for sending your own events. */
  secrets: { webhookSecret: string; writeKey: string };
  stop(): Promise<void>;
}

/**
 * The whole bot on a laptop: the Slack emulator with the manifest's channels and people, the
 * real pls started exactly as `npm start` starts it (config from an env map, a fresh SQLite
 * file, Bolt's HTTP receiver), the sandbox page on pls's own port, and the demo traffic.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const manifest = loadManifest(options.manifestPath);
  const workspace = createWorkspace(manifest);
  const now = options.clock?.now ?? Date.now;
  const botToken = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const writeKey = `wk_sandbox_${randomBytes(8).toString('hex')}`;

  const emulator = createSlackEmulator({
    token: botToken,
    channels: workspace.channels.map((c) => c.id),
    users: workspace.emulatorUsers(),
    teamId: SLACK_IDS.teamId,
    botUserId: SLACK_IDS.botUserId,
    now,
  });
  await emulator.start();
  // The CRM a rep would look in: a HubSpot portal that has every company the demo sends, each
  // owned by one of the manifest's reps (by domain, so the same company always has the same owner).
  const reps = workspace.people.filter((p) => p.role === 'rep');
  const hubspot = createHubSpotEmulator({
    owners: reps.map((rep, i) => ({
      id: String(600 + i),
      email: rep.email,
      firstName: rep.name,
      lastName: '',
      userId: 9600 + i,
    })),
    portal: (domain) =>
      reps.length === 0
        ? undefined
        : { name: domain, domain, ownerId: String(600 + (hashOf(domain) % reps.length)) },
    now,
  });
  await hubspot.start();

  // A sandbox already on this port owns this database: fail like listen() would, before deleting it.
  await assertPortFree(options.host, options.port).catch(async (error: unknown) => {
    await emulator.stop();
    await hubspot.stop();
    throw error;
  });
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.databasePath}${suffix}`, { force: true });
  mkdirSync(dirname(options.databasePath), { recursive: true });
  const config = loadConfig({
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: emulator.url,
    PORT: String(options.port),
    DATABASE_URL: `file:${options.databasePath}`,
    PLS_MANIFEST: options.manifestPath,
    PLS_WEBHOOK_SECRET: webhookSecret,
    PLS_WRITE_KEY: writeKey,
    LOG_LEVEL: options.logLevel,
    HUBSPOT_TOKEN: hubspot.token,
    HUBSPOT_API_URL: hubspot.url,
  });
  const logger = options.logger ?? createLogger(config.env.logLevel);

  // pls's URL is known once it listens; everything that calls it reads it then.
  let url = '';
  const slack = createSandboxSlack({
    emulator,
    workspace,
    botUrl: () => url,
    pageUrl: () => url,
    signingSecret,
  });
  const traffic = createTrafficPlayer({
    url: () => url,
    secret: webhookSecret,
    enabled: options.traffic,
    speed: options.speed,
    seed: options.seed,
    accounts: options.accounts,
    zone: manifest.timezone,
    now,
    onError: (error) => logger.warn({ error }, 'demo traffic: a batch was not accepted'),
  });
  const routes = createSandboxRoutes({
    emulator,
    workspace,
    slack,
    traffic,
    colleagues: options.colleagues,
    commands: (userId) => commandsFor(manifest.routing, userId),
    hubspot,
    zone: manifest.timezone,
    now,
  });

  let server: RunningServer;
  try {
    server = await startServer(config, logger, {
      host: options.host,
      intercept: routes.intercept,
      clock: options.clock,
    });
  } catch (error) {
    slack.stop();
    await emulator.stop();
    await hubspot.stop();
    throw error;
  }
  url = `http://${loopbackOf(options.host)}:${server.port}`;
  traffic.start();
  const colleagues: Colleagues | null = options.colleagues
    ? createColleagues({
        emulator,
        workspace,
        slack,
        isWatched: routes.isWatched,
        speed: options.speed,
        now,
      })
    : null;

  let stopping: Promise<void> | null = null;
  return {
    pageUrl: `http://${publicHostOf(options.host)}:${server.port}/sandbox`,
    url,
    port: server.port,
    emulator,
    hubspot,
    workspace,
    server,
    traffic,
    slack,
    secrets: { webhookSecret, writeKey },
    stop() {
      stopping ??= (async () => {
        colleagues?.stop();
        await traffic.stop();
        slack.stop();
        await server.stop();
        await emulator.stop();
        await hubspot.stop();
      })();
      return stopping;
    },
  };
}

function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Where this process reaches its own server. */
function loopbackOf(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::' || host === 'localhost') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** What to print for a person's browser. */
function publicHostOf(host: string): string {
  if (host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' || host === '::' || host === '') {
    return 'localhost';
  }
  return host.includes(':') ? `[${host}]` : host;
}

/** A small stable number for a string (FNV-1a): which rep owns a demo company. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
