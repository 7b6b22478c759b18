import { ConfigError } from './config/config-error.js';
import { formatDuration } from './config/duration.js';
import { loadConfig } from './config/load-config.js';

/**
 * `npm run check [-- path/to/manifest.yml]`: validates the manifest and the environment the
 * way start-up does, without opening the database or Slack. Exit 0 = it would start.
 */
const manifestArg = process.argv[2];
try {
  const { env, manifest } = loadConfig(
    manifestArg ? { ...process.env, PLS_MANIFEST: manifestArg } : process.env,
  );
  const { scoring, routing, sla } = manifest;
  const lines = [
    `manifest ${env.manifestPath}: OK`,
    `  scoring: ${scoring.signals.length} signals, ${scoring.metrics.length} metrics; hot ≥ ${scoring.tiers.hot}, warm ≥ ${scoring.tiers.warm}; half-life ${formatDuration(scoring.half_life)}`,
    `  gates: ${Object.entries(scoring.gates)
      .map(([layer, min]) => `${layer} ≥ ${min}`)
      .join(', ')}`,
    `  routing: ${routing.teams.map((t) => `${t.id} → ${t.channel}`).join(', ')} (default ${routing.default_team}); ${routing.reps.length} reps, ${routing.managers.length} managers`,
    `  sla: hot claim ${formatDuration(sla.tiers.hot.claim)}, warm claim ${formatDuration(sla.tiers.warm.claim)}; ${sla.business_hours ? 'business hours' : 'wall clock'}; sweep every ${formatDuration(sla.sweep_every)}`,
    `environment: OK (${env.slackAppToken ? 'Socket Mode' : 'HTTP mode'}, port ${env.port}, database ${env.databaseUrl}, Slack API ${env.slackApiUrl})`,
  ];
  if (!env.webhookSecret)
    lines.push('warning: PLS_WEBHOOK_SECRET is not set: /webhooks/usage will answer 401');
  if (!env.writeKey) lines.push('warning: PLS_WRITE_KEY is not set: the /v1/* endpoints will answer 401');
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
