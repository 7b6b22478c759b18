import { ConfigError } from '../config/config-error.js';
import { formatDuration } from '../config/duration.js';
import { loadConfig } from '../config/load-config.js';
import { manifestWarnings } from '../config/manifest-warnings.js';
import { postgresLocation } from '../db/postgres/client.js';
import type { Match, Play } from '../domain/definition.js';

/**
 * `npm run check [-- path/to/manifest.yml] [--strict]`: validates the manifest and the
 * environment the way start-up does, without opening the database or Slack. Exit 0 = it would
 * start; with `--strict`, any warning exits 1 too.
 */
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const unknown = args.find((arg) => arg.startsWith('--') && arg !== '--strict');
if (unknown) {
  process.stderr.write(`unknown option ${unknown} (npm run check -- [manifest.yml] [--strict])\n`);
  process.exit(2);
}
const manifestArg = args.find((arg) => arg !== '--strict');
const onOff = (on: boolean) => (on ? 'on' : 'off');
try {
  const { env, manifest, webhooks } = loadConfig(
    manifestArg ? { ...process.env, PLS_MANIFEST: manifestArg } : process.env,
  );
  const lines = [
    `manifest ${env.manifestPath}: OK`,
    ...manifest.plays.flatMap((play) => playSummary(play, manifest.plays.length > 1)),
    `  routing: ${manifest.routing.reps.length} reps, ${manifest.routing.managers.length} managers; sla sweep every ${formatDuration(manifest.sla.sweep_every)}`,
    ...webhooks.map(
      (webhook, i) =>
        `  webhook ${i}: ${new URL(webhook.url).origin} ← ${[...webhook.events].join(', ')} (secret read)`,
    ),
    env.hubspotToken
      ? `  HubSpot: on at ${env.hubspotApiUrl} (owner routing ${onOff(manifest.integrations.hubspot.owner_routing)}, write-back ${onOff(manifest.integrations.hubspot.write_back)}, property group ${manifest.integrations.hubspot.property_group})`
      : '  HubSpot: off (HUBSPOT_TOKEN is not set)',
    `environment: OK (${env.slackAppToken ? 'Socket Mode' : 'HTTP mode'}, port ${env.port}, database ${env.databaseEngine === 'postgres' ? `Postgres at ${postgresLocation(env.databaseUrl)}` : env.databaseUrl}, Slack API ${env.slackApiUrl})`,
  ];
  const warnings = manifestWarnings(manifest).map((warning) => `manifest ${env.manifestPath}: ${warning}`);
  if (!env.webhookSecret) warnings.push('PLS_WEBHOOK_SECRET is not set: /webhooks/usage will answer 401');
  if (!env.writeKey) warnings.push('PLS_WRITE_KEY is not set: the /v1/* endpoints will answer 401');
  for (const warning of warnings) lines.push(`warning: ${warning}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (strict && warnings.length > 0) {
    process.stderr.write(`--strict: ${warnings.length} warning${warnings.length === 1 ? '' : 's'}\n`);
    process.exit(1);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

/** What one play judges, scores, routes and times, in a few lines. */
function playSummary(play: Play, several: boolean): string[] {
  const { scoring, routing, sla } = play;
  const judges = play.applies_to
    ? `accounts with ${describeMatch(play.applies_to)}`
    : play.prospects_only
      ? `accounts not on ${scoring.rules.paid_plans.join(', ') || 'a paid plan'}`
      : 'every account';
  const indent = several ? '    ' : '  ';
  return [
    ...(several ? [`  play ${play.id} (${play.label}): ${judges}`] : []),
    `${indent}scoring: ${scoring.signals.length} signals, ${scoring.metrics.length} metrics; hot ≥ ${scoring.tiers.hot}, warm ≥ ${scoring.tiers.warm}; half-life ${formatDuration(scoring.half_life)}`,
    `${indent}gates: ${Object.entries(scoring.gates)
      .map(([layer, min]) => `${layer} ≥ ${min}`)
      .join(', ')}; cooldown ${formatDuration(scoring.rules.cooldown)}`,
    `${indent}teams: ${routing.teams.map((t) => `${t.id} → ${t.channel}`).join(', ')} (default ${routing.default_team})`,
    `${indent}sla: hot claim ${formatDuration(sla.tiers.hot.claim)}, warm claim ${formatDuration(sla.tiers.warm.claim)}; ${sla.business_hours ? 'business hours' : 'wall clock'}`,
  ];
}

/** `{ plan: { in: [team, business] } }` → "plan in team/business". */
function describeMatch(match: Match): string {
  const OPERATORS: Record<string, string> = { eq: '=', in: 'in', gte: '≥', gt: '>', lte: '≤', lt: '<' };
  return Object.entries(match)
    .flatMap(([field, condition]) =>
      Object.entries(condition ?? {}).map(
        ([op, value]) =>
          `${field} ${OPERATORS[op] ?? op} ${Array.isArray(value) ? value.join('/') : String(value)}`,
      ),
    )
    .join(', ');
}
