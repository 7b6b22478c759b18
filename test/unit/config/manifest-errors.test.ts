import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadManifest, parseManifest, parseManifestYaml } from '../../../src/config/manifest.js';
import { tempDir } from '../../support/temp-dir.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/manifests/${name}`, import.meta.url));

type Raw = Record<string, unknown> & { scoring: Record<string, unknown>; routing: Record<string, unknown> };

function base(): Raw {
  return {
    scoring: {
      signals: [
        { id: 'active', layer: 'behavioral', event: 'session_started', points: 10 },
        { id: 'invites', layer: 'organizational', event: 'teammate_invited', points: 5 },
        { id: 'limit_hit', layer: 'intent', event: 'usage_limit_hit', points: 30 },
      ],
    },
    routing: {
      teams: [{ id: 'sales', channel: 'C0SALES', reps: ['U0REP'] }],
      reps: [{ id: 'U0REP' }],
      managers: ['U0BOSS'],
      escalation_channel: 'C0ESCALATE',
    },
  };
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** `path: message` per issue, the part of each line that does not depend on the file. */
function problems(raw: unknown): string[] {
  return errorOf(() => parseManifest(raw)).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

/** Applies `change` to a fresh valid manifest and returns its problems. */
function problemsAfter(change: (raw: Raw) => void): string[] {
  const raw = base();
  change(raw);
  return problems(raw);
}

const teams = (raw: Raw) => raw.routing.teams as Record<string, unknown>[];
const signals = (raw: Raw) => raw.scoring.signals as Record<string, unknown>[];

describe('required keys', () => {
  it.each([
    ['scoring', 'scoring: required'],
    ['routing', 'routing: required'],
  ])('names a missing %s', (key, problem) => {
    const raw: Record<string, unknown> = base();
    delete raw[key];
    expect(problems(raw)).toEqual([problem]);
  });

  it.each(['teams', 'reps', 'managers', 'escalation_channel'])('names a missing routing.%s', (key) => {
    expect(
      problemsAfter((raw) => {
        delete raw.routing[key];
      }),
    ).toEqual([`routing.${key}: required`]);
  });

  it('names missing signals and refuses an empty list', () => {
    expect(problemsAfter((raw) => delete raw.scoring.signals)).toEqual(['scoring.signals: required']);
    expect(problemsAfter((raw) => (raw.scoring.signals = []))).toEqual([
      'scoring.signals: needs at least 1 item',
    ]);
  });

  it('refuses an empty manifest', () => {
    expect(problems(null)).toEqual([': the manifest is empty']);
    expect(errorOf(() => parseManifestYaml('', 'empty.yml')).message).toBe(
      'manifest empty.yml: the manifest is empty',
    );
  });

  it('refuses a top level that is not a mapping', () => {
    expect(problems(['scoring'])).toEqual([': expected a mapping, got a list']);
  });
});

describe('unknown keys', () => {
  it('suggests the key that was probably meant', () => {
    expect(problemsAfter((raw) => (raw.scoring.signal = []))).toEqual([
      'scoring.signal: unknown key (did you mean "signals"?)',
    ]);
    expect(problemsAfter((raw) => (signals(raw)[2]!.hand_off = true))).toEqual([
      'scoring.signals.2.hand_off: unknown key (did you mean "handoff"?)',
    ]);
  });

  it('lists the allowed keys when nothing is close', () => {
    expect(problemsAfter((raw) => (raw.colour = 'blue'))).toEqual([
      'colour: unknown key (expected one of: timezone, labels, retention, scoring, routing, sla, plays, integrations)',
    ]);
  });

  it('names several unknown keys of one mapping together', () => {
    expect(problemsAfter((raw) => Object.assign(teams(raw)[0]!, { chanel: 'C1', colour: 'red' }))).toEqual([
      'routing.teams.0: unknown keys "chanel", "colour" (expected one of: id, channel, match, hours, reps)',
    ]);
  });

  it('applies to conditions too', () => {
    expect(problemsAfter((raw) => (teams(raw)[0]!.match = { employees: { gt3: 5 } }))).toEqual([
      'routing.teams.0.match.employees.gt3: unknown key (did you mean "gte"?)',
    ]);
    expect(problemsAfter((raw) => (teams(raw)[0]!.match = { size: { gte: 5 } }))[0]).toMatch(
      /^routing\.teams\.0\.match\.size: unknown key/,
    );
  });
});

describe('values', () => {
  it.each<[string, (raw: Raw) => void, string]>([
    [
      'a channel name',
      (raw) => (teams(raw)[0]!.channel = 'general'),
      'routing.teams.0.channel: expected a Slack channel id like C0123ABC, got "general" (use the channel id, not its name: it is at the bottom of the channel’s About tab)',
    ],
    [
      'a user name',
      (raw) => (raw.routing.managers = ['@sam']),
      'routing.managers.0: expected a Slack user id like U0123ABC, got "@sam" (use the member id, not the name: profile → ⋯ → Copy member ID)',
    ],
    [
      'an unknown time zone',
      (raw) => (raw.timezone = 'Mars/Olympus'),
      'timezone: unknown time zone "Mars/Olympus" (use an IANA name like America/New_York)',
    ],
    [
      'a bad duration',
      (raw) => (raw.scoring.half_life = '3 days'),
      'scoring.half_life: expected a duration like 30s, 15m, 4h, 7d or PT15M, got "3 days"',
    ],
    [
      'a zero half-life',
      (raw) => (raw.scoring.half_life = '0s'),
      'scoring.half_life: must be longer than zero, got "0s"',
    ],
    [
      'an unknown layer',
      (raw) => (signals(raw)[0]!.layer = 'behavioural'),
      'scoring.signals.0.layer: expected one of "behavioral", "organizational", "intent", got "behavioural"',
    ],
    [
      'points over 100',
      (raw) => (signals(raw)[0]!.points = 120),
      'scoring.signals.0.points: must be ≤ 100, got 120',
    ],
    [
      'negative points',
      (raw) => (signals(raw)[0]!.points = -5),
      'scoring.signals.0.points: must be ≥ 0, got -5',
    ],
    [
      'a bad handoff',
      (raw) => (signals(raw)[2]!.handoff = 'yes'),
      'scoring.signals.2.handoff: expected true, false or { count, within, distinct }, got "yes"',
    ],
    [
      'a handoff without count',
      (raw) => (signals(raw)[2]!.handoff = { within: '7d' }),
      'scoring.signals.2.handoff.count: required',
    ],
    [
      'an unknown metric',
      (raw) =>
        (raw.scoring.metrics = [{ id: 'm', layer: 'behavioral', metric: 'logins_7d', steps: [[1, 2]] }]),
      'scoring.metrics.0.metric: unknown metric "logins_7d" (one of: active_days_14d, active_users_14d, sessions_7d, features_30d, integrations, invites_30d, pricing_views_7d, usage_ratio, limit_pressure_days_14d, employees, business_domain, active_users_change_28d, sessions_change_28d)',
    ],
    [
      'a step that is not a pair',
      (raw) =>
        (raw.scoring.metrics = [{ id: 'm', layer: 'behavioral', metric: 'sessions_7d', steps: [[1]] }]),
      'scoring.metrics.0.steps.0: needs at least 2 items',
    ],
    [
      'a percentage written as a whole number',
      (raw) => (raw.sla = { escalation: [{ at: 50, do: 'remind' }] }),
      'sla.escalation.0.at: expected a percentage of the claim SLA like 50% or 150% (or a fraction like 0.5), got 50',
    ],
    [
      'an unknown escalation action',
      (raw) => (raw.sla = { escalation: [{ at: '50%', do: 'nag' }] }),
      'sla.escalation.0.do: expected one of "remind", "escalate", "reassign", got "nag"',
    ],
    [
      'an unknown strategy',
      (raw) => (raw.routing.strategy = ['owner', 'random']),
      'routing.strategy.1: expected one of "owner", "territory", "tier", "round_robin", got "random"',
    ],
    [
      'a cold rep tier',
      (raw) => ((raw.routing.reps as Record<string, unknown>[])[0]!.tiers = ['cold']),
      'routing.reps.0.tiers.0: expected "hot" or "warm", got "cold"',
    ],
    [
      'a capacity of zero',
      (raw) => ((raw.routing.reps as Record<string, unknown>[])[0]!.capacity = 0),
      'routing.reps.0.capacity: must be ≥ 1, got 0',
    ],
    [
      'a fractional capacity',
      (raw) => ((raw.routing.reps as Record<string, unknown>[])[0]!.capacity = 2.5),
      'routing.reps.0.capacity: expected a whole number, got 2.5',
    ],
    [
      'a bad email',
      (raw) => ((raw.routing.reps as Record<string, unknown>[])[0]!.email = 'ana-at-seller'),
      'routing.reps.0.email: expected an email address, got "ana-at-seller"',
    ],
    [
      'a bad day',
      (raw) => (teams(raw)[0]!.hours = { days: 'weekdays' }),
      'routing.teams.0.hours.days: expected days like mon-fri, "mon,wed,fri" or [mon, tue], got "weekdays"',
    ],
    [
      'a bad time',
      (raw) => (teams(raw)[0]!.hours = { from: '9am' }),
      'routing.teams.0.hours.from: expected a time like "09:00", got "9am"',
    ],
    [
      '24:00 as a start',
      (raw) => (teams(raw)[0]!.hours = { from: '24:00' }),
      'routing.teams.0.hours.from: expected a time like "09:00", got "24:00"',
    ],
    [
      'a condition without operator',
      (raw) => (teams(raw)[0]!.match = { employees: {} }),
      'routing.teams.0.match.employees: needs at least one operator: eq, in, gte, gt, lte, lt',
    ],
    [
      'a condition that can never hold',
      (raw) => (teams(raw)[0]!.match = { employees: { gte: 1000, lt: 20 } }),
      'routing.teams.0.match.employees: this range can never hold: its lower bound is above its upper bound',
    ],
    [
      'an open range that can never hold',
      (raw) => (teams(raw)[0]!.match = { employees: { gt: 100, lte: 100 } }),
      'routing.teams.0.match.employees: this range can never hold: its lower bound is above its upper bound',
    ],
    [
      'a bad condition in a signal’s where',
      (raw) => (signals(raw)[0]!.where = { plan: { equals: 'free' } }),
      'scoring.signals.0.where.plan.equals: unknown key (expected one of: eq, in, gte, gt, lte, lt)',
    ],
    [
      'a numeric operator on a text field',
      (raw) => (teams(raw)[0]!.match = { country: { gte: 'US' } }),
      'routing.teams.0.match.country.gte: expected a number, got "US"',
    ],
    [
      'a numeric comparison of a text field',
      (raw) => (teams(raw)[0]!.match = { industry: { lt: 5 } }),
      'routing.teams.0.match.industry.lt: industry is text: compare it with eq or in',
    ],
    [
      'text compared with employees',
      (raw) => (teams(raw)[0]!.match = { employees: { in: ['big'] } }),
      'routing.teams.0.match.employees: employees is a number: eq and in take numbers',
    ],
    [
      'a reserved team id',
      (raw) => (teams(raw)[0]!.id = 'unclaimed'),
      'routing.teams.0.id: "unclaimed" is reserved: /pls queue and /pls sla read it as a filter',
    ],
    [
      'a team id shaped like a period',
      (raw) => (teams(raw)[0]!.id = '30d'),
      'routing.teams.0.id: "30d" is reserved: /pls queue and /pls sla read it as a filter',
    ],
  ])('explains %s', (_, change, problem) => {
    expect(problemsAfter(change)).toEqual([problem]);
  });
});

describe('cross-checks', () => {
  it('accept a closed range of one value', () => {
    const raw = base();
    teams(raw)[0]!.match = { employees: { gte: 100, lte: 100 } };
    expect(parseManifest(raw).routing.teams[0]!.match).toEqual({ employees: { gte: 100, lte: 100 } });
  });

  it('refuses a signal id used twice', () => {
    expect(problemsAfter((raw) => (signals(raw)[1]!.id = 'active'))).toEqual([
      'scoring.signals.1.id: duplicate id "active" (also scoring.signals.0.id)',
    ]);
  });

  it('refuses a metric id that a signal already uses', () => {
    expect(
      problemsAfter(
        (raw) =>
          (raw.scoring.metrics = [
            { id: 'limit_hit', layer: 'intent', metric: 'usage_ratio', steps: [[1, 5]] },
          ]),
      ),
    ).toEqual(['scoring.metrics.0.id: duplicate id "limit_hit" (also scoring.signals.2.id)']);
  });

  it('refuses a hot threshold at or below warm', () => {
    expect(problemsAfter((raw) => (raw.scoring.tiers = { hot: 40, warm: 40 }))).toEqual([
      'scoring.tiers.hot: must be above warm (40)',
    ]);
  });

  it('refuses a cap below the points', () => {
    expect(problemsAfter((raw) => Object.assign(signals(raw)[2]!, { cap: 10 }))).toEqual([
      'scoring.signals.2.cap: is below points (30): a single event would already exceed it',
    ]);
  });

  it('refuses a gate no signal or metric can reach', () => {
    expect(problemsAfter((raw) => (raw.scoring.signals = signals(raw).slice(0, 2)))).toEqual([
      'scoring.gates.intent: needs 10 intent points but no signal or metric scores the intent layer: every account would be cold',
    ]);
    expect(problemsAfter((raw) => Object.assign(signals(raw)[0]!, { points: 4, cap: 8 }))).toEqual([
      'scoring.gates.behavioral: needs 10 behavioral points but the behavioral signals and metrics add up to at most 8',
    ]);
  });

  it('refuses a tier no account can reach', () => {
    expect(
      problemsAfter((raw) => {
        raw.scoring.signals = signals(raw).map((signal) => ({ ...signal, cap: signal.points }));
      }),
    ).toEqual(['scoring.tiers.hot: is out of reach: all signals and metrics together score at most 45']);
  });

  it('refuses metric thresholds that repeat or exceed a 0–1 metric', () => {
    expect(
      problemsAfter(
        (raw) =>
          (raw.scoring.metrics = [
            {
              id: 'pressure',
              layer: 'intent',
              metric: 'usage_ratio',
              steps: [
                [0.8, 5],
                [0.8, 8],
                [80, 10],
              ],
            },
          ]),
      ),
    ).toEqual([
      'scoring.metrics.0.steps.1.0: threshold 0.8 appears twice',
      'scoring.metrics.0.steps.2.0: usage_ratio is between 0 and 1, so a threshold of 80 is never reached',
    ]);
  });

  it('takes a negative threshold only for a change metric, and never below −1', () => {
    const metrics = (raw: Raw, metric: string, steps: number[][]) => {
      raw.scoring.metrics = [{ id: 'm', layer: 'intent', metric, below: true, steps }];
    };
    const valid = base();
    metrics(valid, 'active_users_change_28d', [
      [-0.3, 10],
      [-0.5, 30],
    ]);
    expect(parseManifest(valid).scoring.metrics[0]).toMatchObject({
      below: true,
      steps: [
        [-0.5, 30],
        [-0.3, 10],
      ],
    });
    expect(problemsAfter((raw) => metrics(raw, 'active_users_14d', [[-0.3, 10]]))).toEqual([
      'scoring.metrics.0.steps.0.0: active_users_14d is never below 0: only active_users_change_28d and sessions_change_28d take a negative threshold',
    ]);
    expect(problemsAfter((raw) => metrics(raw, 'sessions_change_28d', [[-1.5, 10]]))).toEqual([
      'scoring.metrics.0.steps.0.0: must be ≥ -1, got -1.5',
    ]);
  });

  it('refuses a first-touch SLA shorter than the claim SLA', () => {
    expect(
      problemsAfter((raw) => (raw.sla = { tiers: { warm: { claim: '4h', first_touch: '1h' } } })),
    ).toEqual([
      'sla.tiers.warm.first_touch: must not be shorter than claim: both run from the moment the alert is raised',
    ]);
  });

  it('refuses working hours that end before they start', () => {
    expect(problemsAfter((raw) => (teams(raw)[0]!.hours = { from: '18:00', to: '09:00' }))).toEqual([
      'routing.teams.0.hours.to: must be later than from (hours that cross midnight are not supported)',
    ]);
  });

  it('refuses duplicate team ids', () => {
    expect(
      problemsAfter((raw) => {
        raw.routing.teams = [
          { id: 'sales', channel: 'C0A', match: { employees: { gte: 100 } } },
          { id: 'sales', channel: 'C0B' },
        ];
      }),
    ).toEqual(['routing.teams.1.id: team id "sales" appears twice']);
  });

  it('refuses a team rep missing from routing.reps', () => {
    expect(problemsAfter((raw) => (teams(raw)[0]!.reps = ['U0REP', 'U0GHOST']))).toEqual([
      'routing.teams.0.reps.1: U0GHOST is not listed in routing.reps',
    ]);
  });

  it('refuses duplicate reps and emails', () => {
    expect(
      problemsAfter((raw) => {
        raw.routing.reps = [
          { id: 'U0REP', email: 'ana@seller.com' },
          { id: 'U0REP2', email: 'ANA@seller.com' },
          { id: 'U0REP' },
        ];
      }),
    ).toEqual([
      'routing.reps.2.id: rep "U0REP" appears twice',
      'routing.reps.1.email: email "ana@seller.com" appears twice',
    ]);
  });

  it('refuses a default_team that names no team', () => {
    expect(problemsAfter((raw) => (raw.routing.default_team = 'smb'))).toEqual([
      'routing.default_team: no team "smb" (teams: sales)',
    ]);
  });

  it('refuses a team hidden behind one that matches everything', () => {
    expect(
      problemsAfter((raw) => {
        raw.routing.teams = [
          { id: 'everyone', channel: 'C0ALL' },
          { id: 'enterprise', channel: 'C0ENT', match: { employees: { gte: 1000 } } },
        ];
      }),
    ).toEqual(['routing.teams.1: is never reached: team "everyone" before it matches every account']);
  });

  it('refuses a strategy step listed twice', () => {
    expect(problemsAfter((raw) => (raw.routing.strategy = ['owner', 'round_robin', 'owner']))).toEqual([
      'routing.strategy.2: strategy "owner" appears twice',
    ]);
  });
});

describe('YAML files', () => {
  it('report a syntax error with its line and column', () => {
    // Written at run time: a broken YAML file in the repository would fail the formatter's check.
    const path = join(tempDir('pls-manifest-'), 'broken.yml');
    writeFileSync(
      path,
      [
        'scoring:',
        '  signals:',
        '    - id: limit_hit',
        '      layer: intent',
        '     event: usage_limit_hit',
        '',
      ].join('\n'),
    );
    const error = errorOf(() => loadManifest(path));
    expect(error.issues[0]).toMatchObject({ source: 'manifest', file: path, line: 5, path: '' });
    expect(error.message.split('\n')[0]).toMatch(new RegExp(`^manifest ${path}:5:\\d+: invalid YAML: `));
  });

  it('report a duplicate key as a YAML error', () => {
    const error = errorOf(() => parseManifestYaml('timezone: UTC\ntimezone: Europe/Paris\n', 'dup.yml'));
    expect(error.message).toMatch(/^manifest dup\.yml:2:1: invalid YAML: Map keys must be unique/);
  });

  it('point each problem at its line: the file, the key path and the reason', () => {
    const path = fixture('typo.yml');
    expect(errorOf(() => loadManifest(path)).message.split('\n')).toEqual([
      `manifest ${path}:5:75: scoring.signals.2.hand_off: unknown key (did you mean "handoff"?)`,
      `manifest ${path}:9:7: routing.teams.0.channel: expected a Slack channel id like C0123ABC, got "general" (use the channel id, not its name: it is at the bottom of the channel’s About tab)`,
    ]);
  });

  it('point a missing key at the mapping that lacks it', () => {
    const error = errorOf(() =>
      parseManifestYaml('scoring:\n  half_life: 3d\nrouting:\n  teams: []\n', 'm.yml'),
    );
    expect(error.issues.map((issue) => [issue.path, issue.line])).toEqual([
      ['scoring.signals', 1],
      ['routing.teams', 4],
      ['routing.reps', 3],
      ['routing.managers', 3],
      ['routing.escalation_channel', 3],
    ]);
  });

  it('name the file and PLS_MANIFEST when the file is missing', () => {
    const path = join(tempDir('pls-manifest-'), 'nope.yml');
    expect(errorOf(() => loadManifest(path)).message).toBe(
      `manifest ${path}: file not found (set PLS_MANIFEST to the manifest’s path)`,
    );
  });

  it('refuse an alias to nothing', () => {
    const dir = tempDir('pls-manifest-');
    const path = join(dir, 'alias.yml');
    writeFileSync(path, 'timezone: *zone\n');
    expect(errorOf(() => loadManifest(path)).message).toMatch(
      new RegExp(`^manifest ${path}(:\\d+:\\d+)?: invalid YAML`),
    );
  });
});

describe('integrations.webhooks', () => {
  const hook = (extra: Record<string, unknown> = {}) => ({
    url: 'https://hooks.example.com/pls',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    events: ['alert.opened'],
    ...extra,
  });

  it('accepts an endpoint with a secret or a variable naming one, and defaults to none', () => {
    expect(parseManifest(base()).integrations.webhooks).toEqual([]);
    const raw = {
      ...base(),
      integrations: { webhooks: [hook(), hook({ url: 'http://127.0.0.1:9/x', secret: `\${HOOK_SECRET}` })] },
    };
    expect(parseManifest(raw).integrations.webhooks.map((w) => w.secret)).toEqual([
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      `\${HOOK_SECRET}`,
    ]);
  });

  it('fills integrations.hubspot key by key and names a bad key', () => {
    expect(parseManifest(base()).integrations.hubspot).toEqual({
      owner_routing: true,
      write_back: true,
      refresh_owner_after: 86_400_000,
      property_group: 'pls',
    });
    const raw = { ...base(), integrations: { hubspot: { write_back: false, refresh_owner_after: '6h' } } };
    expect(parseManifest(raw).integrations.hubspot).toMatchObject({
      write_back: false,
      refresh_owner_after: 21_600_000,
    });
    expect(
      problemsAfter((r) => {
        r.integrations = { hubspot: { property_group: 'PLS Scores', owner: true } };
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/integrations\.hubspot\.property_group: must be a HubSpot internal name/),
        expect.stringMatching(/integrations\.hubspot\.owner/),
      ]),
    );
  });

  it('names the bad key of each bad endpoint', () => {
    expect(
      problemsAfter((raw) => {
        raw.integrations = {
          webhooks: [
            hook({ url: 'ftp://example.com/x' }),
            hook({ secret: 'hunter2' }),
            hook({ events: ['alert.won'] }),
            hook({ events: [] }),
            hook({ url: 'https://hooks.example.com/pls', events: ['alert.closed', 'alert.closed'] }),
          ],
        };
      }),
    ).toEqual([
      'integrations.webhooks.0.url: must be an http(s) URL',
      `integrations.webhooks.1.secret: must be a Standard Webhooks secret (whsec_ and base64) or \${ENV_NAME} naming the variable that holds one`,
      expect.stringMatching(/^integrations\.webhooks\.2\.events\.0: /),
      expect.stringMatching(/^integrations\.webhooks\.3\.events: name at least one of alert\.opened, /),
      'integrations.webhooks.4.events: lists an event twice',
    ]);
    expect(
      problemsAfter((raw) => {
        raw.integrations = { webhooks: [hook(), hook({ events: ['alert.closed'] })] };
      }),
    ).toEqual(['integrations.webhooks.1.url: appears twice: list its events under one entry']);
  });
});

describe('plays', () => {
  const withPlays = (...plays: Record<string, unknown>[]) => {
    const raw = base();
    (raw.routing.reps as Record<string, unknown>[]).push({ id: 'U0AM1' }, { id: 'U0CSM1' });
    raw.plays = plays;
    return raw;
  };
  const expansion = (extra: Record<string, unknown> = {}) => ({
    id: 'expansion',
    applies_to: { plan: { in: ['team', 'business'] } },
    scoring: {
      signals: [
        {
          id: 'limit_pressure',
          layer: 'intent',
          event: 'usage_limit_approached',
          points: 15,
          cap: 45,
          handoff: { count: 3, within: '14d' },
        },
      ],
      gates: { behavioral: 0, organizational: 0 },
      tiers: { hot: 40, warm: 15 },
    },
    routing: { teams: [{ id: 'account-management', channel: 'C0AMEXPAND', reps: ['U0AM1'] }] },
    ...extra,
  });

  it('merge tiers, gates and rules key by key with the top level, replace signals, and leave self-serve rules behind', () => {
    const raw = withPlays(
      expansion({
        sla: { tiers: { warm: { claim: '1d', first_touch: '3d' } } },
        scoring: { ...expansion().scoring, rules: { cooldown: '30d' } },
      }),
    );
    raw.scoring.rules = { back_off: '3d' };
    const manifest = parseManifest(raw);
    expect(manifest.plays.map((p) => [p.id, p.label, p.prospects_only])).toEqual([
      ['new_business', 'New business', true],
      ['expansion', 'Expansion', false],
    ]);
    const play = manifest.plays[1]!;
    expect(play.scoring.tiers).toEqual({ hot: 40, warm: 15 });
    expect(play.scoring.gates).toEqual({ behavioral: 0, organizational: 0, intent: 10 });
    expect(play.scoring.signals.map((s) => s.id)).toEqual(['limit_pressure']);
    expect(play.scoring.metrics).toEqual(manifest.scoring.metrics);
    expect(play.scoring.half_life).toBe(manifest.scoring.half_life);
    expect(play.scoring.rules).toMatchObject({
      cooldown: 30 * 86_400_000,
      back_off: 3 * 86_400_000,
      exclude_plans: [],
      paid_plans: [],
      min_employees: 0,
      min_active_users_when_size_unknown: 0,
    });
    expect(play.routing.teams.map((t) => t.id)).toEqual(['account-management']);
    expect(play.routing.default_team).toBe('account-management');
    expect(play.routing.reps).toBe(manifest.routing.reps);
    expect(play.sla.tiers.warm).toEqual({ claim: 86_400_000, first_touch: 3 * 86_400_000 });
    expect(play.sla.tiers.hot).toEqual(manifest.sla.tiers.hot);
    expect(play.applies_to).toEqual({ plan: { in: ['team', 'business'] } });
  });

  it('allow a play without signals that scores on metrics alone', () => {
    const raw = withPlays(
      expansion({
        scoring: {
          signals: [],
          gates: { behavioral: 0, organizational: 0, intent: 0 },
          tiers: { hot: 20, warm: 10 },
          metrics: [{ id: 'seats', layer: 'organizational', metric: 'active_users_14d', steps: [[5, 20]] }],
        },
      }),
    );
    expect(parseManifest(raw).plays[1]!.scoring.signals).toEqual([]);
  });

  it('name the key of each mistake: a gate no scorer of its layer reaches, a rep not in routing.reps, ids taken', () => {
    const raw = withPlays(
      expansion({ scoring: { signals: [], gates: { behavioral: 0, organizational: 0 } } }),
      expansion({
        id: 'expansion',
        routing: { teams: [{ id: 'sales', channel: 'C0X', reps: ['U0NOBODY'] }] },
      }),
    );
    expect(problems(raw)).toEqual([
      'plays.0.scoring.gates.intent: needs 10 intent points but no signal or metric scores the intent layer: every account would be cold',
      'plays.0.scoring.tiers.hot: is out of reach: all signals and metrics together score at most 0',
      'plays.0.scoring.tiers.warm: is out of reach: all signals and metrics together score at most 0',
      'plays.1.id: play "expansion" appears twice',
      'plays.1.routing.teams.0.id: team id "sales" is taken (routing.teams.0): team ids are unique across plays',
      'plays.1.routing.teams.0.reps.0: U0NOBODY is not listed in routing.reps',
    ]);
    const reserved = withPlays({ id: 'new_business', routing: { teams: [{ id: 'cs', channel: 'C0CS' }] } });
    expect(problems(reserved)).toEqual([
      "plays.0.id: is the top level's play: give another id (the top-level scoring, routing and sla are new_business)",
    ]);
  });

  it('refuse a play id a command would read as a filter or as a team', () => {
    expect(problems(withPlays(expansion({ id: 'hot' })))).toEqual([
      'plays.0.id: "hot" is reserved: /pls queue and /pls sla read it as a filter',
    ]);
    expect(problems(withPlays(expansion({ id: 'sales' })))).toEqual([
      `plays.0.id: "sales" is also a team's id: give the play another`,
    ]);
  });

  it('refuse an opener that quotes tracking, and a first touch sooner than the claim once merged', () => {
    const raw = withPlays(
      expansion({
        opener: 'Hi {first_name}, you used {count} seats',
        sla: { tiers: { hot: { first_touch: '5m' } } },
      }),
    );
    expect(problems(raw)).toEqual([
      'plays.0.opener: quotes tracking at the prospect ({count}): use {first_name}, {account}, {limit}, {feature}, {plan}, {invitee_domain}',
    ]);
    const late = withPlays(expansion({ sla: { tiers: { hot: { first_touch: '5m' } } } }));
    expect(problems(late)).toEqual([
      'plays.0.sla.tiers.hot.first_touch: must not be shorter than claim: both run from the moment the alert is raised',
    ]);
  });
});
