import { IANAZone } from 'luxon';
import * as z from 'zod';
import {
  ALERT_TIERS,
  CONDITION_OPERATORS,
  ESCALATION_ACTIONS,
  type Hours,
  LAYERS,
  type Layer,
  MATCH_FIELDS,
  type Manifest,
  type MatchField,
  METRIC_NAMES,
  type Play,
  ROUTING_STRATEGIES,
  type Routing,
  type Scoring,
  type Team,
  WEBHOOK_EVENT_TYPES,
} from '../domain/definition.js';
import { CHANGE_METRICS } from '../domain/metrics.js';
import { OPENER_PLACEHOLDERS, TRACKING_PLACEHOLDERS } from '../domain/opener.js';
import { NEW_BUSINESS } from '../domain/play.js';
import { describeValue, unknownKeyError } from './config-error.js';
import { durationSchema, positiveDurationSchema } from './duration.js';

/*
 * The manifest's schema (manifests/README.md): the PQL definition as code. Keeps the YAML's key
 * names, so the docs, the file and the code say the same thing; durations become milliseconds,
 * percentages fractions, working hours minutes since midnight; every default is filled in, so
 * consumers never test for a missing key. Its output is the domain's vocabulary
 * (src/domain/definition.ts); plays are merged with the top level here.
 */

const TEXT_FIELDS: ReadonlySet<MatchField> = new Set(['country', 'industry', 'plan', 'domain']);

/** Words `/pls queue` and `/pls sla` read as filters: a team with one of these ids could never be named. */
const RESERVED_TEAM_IDS = new Set(['mine', 'unclaimed', 'all', 'hot', 'warm', 'cold', 'help']);

/** Index + 1 = luxon weekday. */
const WEEKDAY_NAMES: readonly string[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `usage_limit_hit` → "Usage limit hit". */
function humanise(id: string): string {
  const words = id.replace(/[_.-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// ─── Building blocks ─────────────────────────────────────────────────────────────────────

/**
 * Unknown keys are errors: a typo in a PQL definition must never be silently ignored.
 * `expected` names what belongs here when something other than a mapping is given.
 */
function strict<Shape extends z.core.$ZodLooseShape>(shape: Shape, expected = 'a mapping') {
  const unknownKey = unknownKeyError(Object.keys(shape));
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input !== undefined
        ? `expected ${expected}, got ${describeValue(issue.input)}`
        : unknownKey(issue),
  });
}

/** A schema that reads one value by hand, for formats zod has no words for. */
function custom<Out>(read: (value: unknown) => { ok: true; value: Out } | { ok: false; message: string }) {
  return z.unknown().transform((value, ctx): Out => {
    const result = read(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });
}

/**
 * For cross-checks: they run only on values that are valid so far, so one mistake is reported
 * once, not again by every check that reads it (an empty signal list would also fail each gate).
 */
const WHEN_VALID = { when: (payload: z.core.ParsePayload) => payload.issues.length === 0 };

const ok = <T>(value: T) => ({ ok: true as const, value });
const fail = (message: string) => ({ ok: false as const, message });

const timezoneSchema = z.string().refine((zone) => IANAZone.isValidZone(zone), {
  error: (issue) =>
    `unknown time zone ${describeValue(issue.input)} (use an IANA name like America/New_York)`,
});

const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
  error: (issue) =>
    `expected an id of letters, digits, _ . or - (like pricing_repeat), got ${describeValue(issue.input)}`,
});

const teamIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
    error: (issue) =>
      `expected a team id of letters, digits, _ or - (like mid-market), got ${describeValue(issue.input)}`,
  })
  .refine((id) => !RESERVED_TEAM_IDS.has(id.toLowerCase()) && !/^\d+d$/.test(id), {
    error: (issue) =>
      `${describeValue(issue.input)} is reserved: /pls queue and /pls sla read it as a filter`,
  });

const channelIdSchema = z.string().regex(/^[CG][A-Z0-9]+$/, {
  error: (issue) =>
    `expected a Slack channel id like C0123ABC, got ${describeValue(issue.input)}${idHint(issue.input, 'channel')}`,
});

const userIdSchema = z.string().regex(/^[UW][A-Z0-9]+$/, {
  error: (issue) =>
    `expected a Slack user id like U0123ABC, got ${describeValue(issue.input)}${idHint(issue.input, 'user')}`,
});

/** Names are what people type first; Slack hides ids, so say where to find one. */
function idHint(input: unknown, kind: 'channel' | 'user'): string {
  if (typeof input !== 'string' || !/^[#@]|^[a-z]/.test(input)) return '';
  return kind === 'channel'
    ? ' (use the channel id, not its name: it is at the bottom of the channel’s About tab)'
    : ' (use the member id, not the name: profile → ⋯ → Copy member ID)';
}

const pointsSchema = z.number().min(0).max(100);
const nonEmptyText = z.string().trim().min(1);

const scalarSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: (issue) => `expected text, a number or true/false, got ${describeValue(issue.input)}`,
});

const conditionSchema = strict({
  eq: scalarSchema.optional(),
  in: z.array(scalarSchema).min(1).optional(),
  gte: z.number().optional(),
  gt: z.number().optional(),
  lte: z.number().optional(),
  lt: z.number().optional(),
}).superRefine((condition, ctx) => {
  const present = CONDITION_OPERATORS.filter((operator) => condition[operator] !== undefined);
  if (present.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `needs at least one operator: ${CONDITION_OPERATORS.join(', ')}`,
    });
    return;
  }
  const lower = Math.max(condition.gte ?? -Infinity, condition.gt ?? -Infinity);
  const upper = Math.min(condition.lte ?? Infinity, condition.lt ?? Infinity);
  const strictBound =
    (condition.gt !== undefined && condition.gt >= (condition.gte ?? -Infinity)) ||
    (condition.lt !== undefined && condition.lt <= (condition.lte ?? Infinity));
  if (lower > upper || (lower === upper && strictBound)) {
    ctx.addIssue({
      code: 'custom',
      message: 'this range can never hold: its lower bound is above its upper bound',
    });
  }
}, WHEN_VALID);

const matchSchema = strict(
  Object.fromEntries(MATCH_FIELDS.map((field) => [field, conditionSchema.optional()])) as Record<
    MatchField,
    z.ZodOptional<typeof conditionSchema>
  >,
).superRefine((match, ctx) => {
  for (const field of MATCH_FIELDS) {
    const condition = match[field];
    if (condition === undefined) continue;
    const values = [...(condition.eq === undefined ? [] : [condition.eq]), ...(condition.in ?? [])];
    if (TEXT_FIELDS.has(field)) {
      for (const operator of ['gte', 'gt', 'lte', 'lt'] as const) {
        if (condition[operator] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [field, operator],
            message: `${field} is text: compare it with eq or in`,
          });
        }
      }
      if (values.some((value) => typeof value !== 'string')) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} is text: eq and in take text values`,
        });
      }
    } else if (values.some((value) => typeof value !== 'number')) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} is a number: eq and in take numbers`,
      });
    }
  }
}, WHEN_VALID);

const propertyMatchSchema = z.record(nonEmptyText, conditionSchema);

function parseTime(value: unknown, allowEndOfDay: boolean) {
  const match = typeof value === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(value.trim()) : null;
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  const valid =
    match !== null && Number(match[2]) < 60 && (minutes < 1440 || (allowEndOfDay && minutes === 1440));
  return valid
    ? ok(minutes)
    : fail(
        `expected a time like "09:00"${allowEndOfDay ? ' (up to "24:00")' : ''}, got ${describeValue(value)}`,
      );
}

function parseDays(value: unknown) {
  const expected = `expected days like mon-fri, "mon,wed,fri" or [mon, tue], got ${describeValue(value)}`;
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (items.length === 0 || items.some((item) => typeof item !== 'string')) return fail(expected);
  const days = new Set<number>();
  for (const part of (items as string[]).flatMap((item) => item.split(','))) {
    const [first, last, ...rest] = part
      .split('-')
      .map((name) => WEEKDAY_NAMES.indexOf(name.trim().toLowerCase()));
    if (first === undefined || first < 0 || rest.length > 0 || (last !== undefined && last < 0))
      return fail(expected);
    // A range may wrap the week: fri-mon is fri, sat, sun, mon.
    const span = last === undefined ? 0 : (last - first + 7) % 7;
    for (let offset = 0; offset <= span; offset++) days.add(((first + offset) % 7) + 1);
  }
  return ok([...days].sort((a, b) => a - b));
}

const hoursSchema = strict(
  {
    tz: timezoneSchema.optional(),
    days: custom(parseDays).prefault('mon-fri'),
    from: custom((value) => parseTime(value, false)).prefault('09:00'),
    to: custom((value) => parseTime(value, true)).prefault('18:00'),
  },
  '{ tz, days, from, to }',
).superRefine((hours, ctx) => {
  if (hours.to <= hours.from) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: 'must be later than from (hours that cross midnight are not supported)',
    });
  }
}, WHEN_VALID);

/** `50%` or `0.5` → 0.5. A bare number is a fraction, so `50` (5000 %) is refused as a likely slip. */
const fractionSchema = custom((value) => {
  const percent = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*%$/.exec(value.trim()) : null;
  const fraction = percent ? Number(percent[1]) / 100 : typeof value === 'number' ? value : Number.NaN;
  if (!(fraction > 0 && fraction <= 10)) {
    return fail(
      `expected a percentage of the claim SLA like 50% or 150% (or a fraction like 0.5), got ${describeValue(value)}`,
    );
  }
  return ok(fraction);
});

// ─── Sections ────────────────────────────────────────────────────────────────────────────

const handoffSchema = z.preprocess(
  (value) => (value === true ? { count: 1 } : value === false || value === null ? undefined : value),
  strict(
    {
      count: z.int().min(1),
      within: positiveDurationSchema.optional(),
      distinct: z.literal('day', { error: 'expected day (count distinct days), or leave it out' }).optional(),
    },
    'true, false or { count, within, distinct }',
  )
    .refine((handoff) => handoff.distinct === undefined || handoff.within !== undefined, {
      error: 'distinct: day needs within (the days are counted within it)',
      path: ['distinct'],
    })
    .optional(),
);

/** A first message to the prospect: their words only, never tracking (`{count}`, usage numbers). */
const openerSchema = nonEmptyText.max(1000).superRefine((opener, ctx) => {
  const tracking = [...opener.matchAll(/\{(\w+)\}/g)]
    .map(([, name]) => name!)
    .filter((name) => TRACKING_PLACEHOLDERS.includes(name));
  if (tracking.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `quotes tracking at the prospect (${tracking.map((n) => `{${n}}`).join(', ')}): use ${OPENER_PLACEHOLDERS.map((n) => `{${n}}`).join(', ')}`,
    });
  }
});

const signalSchema = strict({
  id: idSchema,
  layer: z.enum(LAYERS),
  event: nonEmptyText,
  points: pointsSchema,
  cap: pointsSchema.nullable().optional(),
  handoff: handoffSchema,
  says: nonEmptyText.nullable().optional(),
  label: nonEmptyText.max(80).optional(),
  opener: openerSchema.optional(),
  where: propertyMatchSchema.nullable().optional(),
}).superRefine((signal, ctx) => {
  if (signal.cap != null && signal.cap < signal.points) {
    ctx.addIssue({
      code: 'custom',
      path: ['cap'],
      message: `is below points (${signal.points}): a single event would already exceed it`,
    });
  }
}, WHEN_VALID);

const metricSchema = strict({
  id: idSchema,
  layer: z.enum(LAYERS),
  metric: z.enum(METRIC_NAMES, {
    error: (issue) => `unknown metric ${describeValue(issue.input)} (one of: ${METRIC_NAMES.join(', ')})`,
  }),
  steps: z.array(z.tuple([z.number().min(-1), pointsSchema])).min(1),
  below: z.boolean().prefault(false),
})
  .superRefine((metric, ctx) => {
    const seen = new Set<number>();
    metric.steps.forEach(([threshold], index) => {
      if (seen.has(threshold)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 0],
          message: `threshold ${threshold} appears twice`,
        });
      }
      seen.add(threshold);
      if ((metric.metric === 'usage_ratio' || metric.metric === 'business_domain') && threshold > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 0],
          message: `${metric.metric} is between 0 and 1, so a threshold of ${threshold} is never reached`,
        });
      }
      if (threshold < 0 && !CHANGE_METRICS.has(metric.metric)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 0],
          message: `${metric.metric} is never below 0: only ${[...CHANGE_METRICS].join(' and ')} take a negative threshold`,
        });
      }
    });
  }, WHEN_VALID)
  .transform((metric) => ({ ...metric, steps: [...metric.steps].sort((a, b) => a[0] - b[0]) }));

const planListSchema = z.array(nonEmptyText);

const rulesSchema = strict({
  cooldown: durationSchema.prefault('14d'),
  converting_window: durationSchema.prefault('24h'),
  min_employees: z.int().min(0).prefault(20),
  min_active_users_when_size_unknown: z.int().min(0).prefault(3),
  team_only_claims: z.boolean().prefault(true),
  exclude_plans: planListSchema.prefault(['enterprise']),
  back_off: durationSchema.prefault('7d'),
  stale_after: positiveDurationSchema.prefault('24h'),
  paid_plans: planListSchema.prefault(['team', 'business', 'enterprise']),
});

/** A play's rules: each merges over the top level's, except the self-serve ones (`PLAY_RULE_DEFAULTS`). */
const playRulesSchema = strict({
  cooldown: durationSchema.optional(),
  converting_window: durationSchema.optional(),
  min_employees: z.int().min(0).optional(),
  min_active_users_when_size_unknown: z.int().min(0).optional(),
  team_only_claims: z.boolean().optional(),
  exclude_plans: planListSchema.optional(),
  back_off: durationSchema.optional(),
  stale_after: positiveDurationSchema.optional(),
  paid_plans: planListSchema.optional(),
});

/**
 * Rules that keep reps away from self-serve buyers are not inherited by a play: a paying account
 * is exactly whom expansion and churn risk are about.
 */
const PLAY_RULE_DEFAULTS: Pick<
  z.output<typeof rulesSchema>,
  'exclude_plans' | 'paid_plans' | 'min_employees' | 'min_active_users_when_size_unknown'
> = { exclude_plans: [], paid_plans: [], min_employees: 0, min_active_users_when_size_unknown: 0 };

const scoringSchema = strict({
  half_life: positiveDurationSchema.prefault('3d'),
  tiers: strict({ hot: pointsSchema.prefault(70), warm: pointsSchema.prefault(40) }).prefault({}),
  gates: strict({
    behavioral: pointsSchema.prefault(10),
    organizational: pointsSchema.prefault(5),
    intent: pointsSchema.prefault(10),
  }).prefault({}),
  signals: z.array(signalSchema).min(1),
  metrics: z.array(metricSchema).prefault([]),
  rules: rulesSchema.prefault({}),
}).superRefine((scoring, ctx) => checkScoring(scoring, 'scoring', issueAt(ctx, [])), WHEN_VALID);

type ScoringInput = z.output<typeof scoringSchema>;
type IssueAt = (path: (string | number)[], message: string) => void;

function issueAt(ctx: z.core.$RefinementCtx, prefix: (string | number)[]): IssueAt {
  return (path, message) => ctx.addIssue({ code: 'custom', path: [...prefix, ...path], message });
}

/**
 * The checks a scoring definition (the top level's, or a play's merged with it) must pass; `at`
 * names where it is written (`scoring`, `plays.1.scoring`).
 */
function checkScoring(scoring: Omit<ScoringInput, 'half_life' | 'rules'>, at: string, issue: IssueAt): void {
  if (scoring.tiers.hot <= scoring.tiers.warm) {
    issue(['tiers', 'hot'], `must be above warm (${scoring.tiers.warm})`);
  }

  const owners = new Map<string, string>();
  const claim = (id: string, path: (string | number)[]) => {
    const previous = owners.get(id);
    if (previous === undefined) owners.set(id, path.join('.'));
    else issue(path, `duplicate id "${id}" (also ${at}.${previous})`);
  };
  for (const [index, signal] of scoring.signals.entries()) claim(signal.id, ['signals', index, 'id']);
  for (const [index, metric] of scoring.metrics.entries()) claim(metric.id, ['metrics', index, 'id']);

  // A gate no signal or metric can reach would make every account cold: the play would never alert.
  const reachable: Record<Layer, number> = { behavioral: 0, organizational: 0, intent: 0 };
  for (const signal of scoring.signals) {
    if (signal.points > 0) reachable[signal.layer] += signal.cap ?? Number.POSITIVE_INFINITY;
  }
  for (const metric of scoring.metrics) {
    reachable[metric.layer] += Math.max(...metric.steps.map(([, points]) => points));
  }
  for (const layer of LAYERS) {
    const gate = scoring.gates[layer];
    if (gate > reachable[layer]) {
      issue(
        ['gates', layer],
        reachable[layer] === 0
          ? `needs ${gate} ${layer} points but no signal or metric scores the ${layer} layer: every account would be cold`
          : `needs ${gate} ${layer} points but the ${layer} signals and metrics add up to at most ${reachable[layer]}`,
      );
    }
  }
  const best = Math.min(100, reachable.behavioral + reachable.organizational + reachable.intent);
  for (const tier of ['hot', 'warm'] as const) {
    if (scoring.tiers[tier] > best)
      issue(['tiers', tier], `is out of reach: all signals and metrics together score at most ${best}`);
  }
}

const teamSchema = strict({
  id: teamIdSchema,
  channel: channelIdSchema,
  match: matchSchema.prefault({}),
  hours: hoursSchema.optional(),
  reps: z.array(userIdSchema).prefault([]),
});

const repSchema = strict({
  id: userIdSchema,
  email: z
    .email({ error: (issue) => `expected an email address, got ${describeValue(issue.input)}` })
    .transform((email) => email.toLowerCase())
    .optional(),
  capacity: z.int().min(1).prefault(15),
  tiers: z.array(z.enum(ALERT_TIERS)).min(1).prefault(['hot', 'warm']),
  countries: z.array(nonEmptyText).min(1).nullable().optional(),
  hours: hoursSchema.nullable().optional(),
  weight: z.number().positive().prefault(1),
});

const routingSchema = strict({
  strategy: z
    .array(z.enum(ROUTING_STRATEGIES))
    .min(1)
    .prefault([...ROUTING_STRATEGIES]),
  default_team: z.string().optional(),
  teams: z.array(teamSchema).min(1),
  reps: z.array(repSchema).min(1),
  managers: z.array(userIdSchema).min(1),
  escalation_channel: channelIdSchema,
}).superRefine((routing, ctx) => {
  const duplicates = <T>(
    items: readonly T[],
    key: (item: T) => string | undefined,
    path: (index: number) => (string | number)[],
    what: string,
  ) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const value = key(item);
      if (value === undefined) return;
      if (seen.has(value))
        ctx.addIssue({ code: 'custom', path: path(index), message: `${what} "${value}" appears twice` });
      seen.add(value);
    });
  };
  duplicates(
    routing.strategy,
    (step) => step,
    (index) => ['strategy', index],
    'strategy',
  );
  duplicates(
    routing.teams,
    (team) => team.id,
    (index) => ['teams', index, 'id'],
    'team id',
  );
  duplicates(
    routing.reps,
    (rep) => rep.id,
    (index) => ['reps', index, 'id'],
    'rep',
  );
  duplicates(
    routing.reps,
    (rep) => rep.email,
    (index) => ['reps', index, 'email'],
    'email',
  );
  duplicates(
    routing.managers,
    (id) => id,
    (index) => ['managers', index],
    'manager',
  );

  const repIds = new Set(routing.reps.map((rep) => rep.id));
  routing.teams.forEach((team, teamIndex) => {
    duplicates(
      team.reps,
      (id) => id,
      (index) => ['teams', teamIndex, 'reps', index],
      'rep',
    );
    team.reps.forEach((id, index) => {
      if (!repIds.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['teams', teamIndex, 'reps', index],
          message: `${id} is not listed in routing.reps`,
        });
      }
    });
  });

  // First match wins, so a team that matches everything hides every team after it.
  const catchAll = routing.teams.findIndex((team) => Object.keys(team.match).length === 0);
  if (catchAll !== -1 && catchAll < routing.teams.length - 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['teams', catchAll + 1],
      message: `is never reached: team "${routing.teams[catchAll]!.id}" before it matches every account`,
    });
  }

  const teamIds = routing.teams.map((team) => team.id);
  if (routing.default_team !== undefined && !teamIds.includes(routing.default_team)) {
    ctx.addIssue({
      code: 'custom',
      path: ['default_team'],
      message: `no team "${routing.default_team}" (teams: ${teamIds.join(', ')})`,
    });
  }
}, WHEN_VALID);

const slaTargetsSchema = (claim: string, firstTouch: string) =>
  strict({
    claim: positiveDurationSchema.prefault(claim),
    first_touch: positiveDurationSchema.prefault(firstTouch),
  })
    .superRefine((targets, ctx) => {
      if (targets.first_touch < targets.claim) {
        ctx.addIssue({
          code: 'custom',
          path: ['first_touch'],
          message: 'must not be shorter than claim: both run from the moment the alert is raised',
        });
      }
    }, WHEN_VALID)
    .prefault({});

const escalationStepSchema = strict({ at: fractionSchema, do: z.enum(ESCALATION_ACTIONS) });

const slaSchema = strict({
  sweep_every: positiveDurationSchema.prefault('30s'),
  business_hours: z.boolean().prefault(true),
  tiers: strict({ hot: slaTargetsSchema('15m', '2h'), warm: slaTargetsSchema('4h', '24h') }).prefault({}),
  escalation: z
    .array(escalationStepSchema)
    .prefault([
      { at: '50%', do: 'remind' },
      { at: '100%', do: 'escalate' },
      { at: '200%', do: 'reassign' },
    ])
    .transform((steps) => [...steps].sort((a, b) => a.at - b.at)),
});

/** At most this many webhook endpoints: each is a lane of deliveries of its own. */
const MAX_WEBHOOKS = 10;

const webhookSchema = strict({
  url: nonEmptyText.max(2000).refine((url) => /^https?:\/\//.test(url) && URL.canParse(url), {
    message: 'must be an http(s) URL',
  }),
  secret: nonEmptyText.regex(/^(whsec_[A-Za-z0-9+/]+={0,2}|\$\{[A-Z_][A-Z0-9_]*\})$/, {
    message: `must be a Standard Webhooks secret (whsec_ and base64) or \${ENV_NAME} naming the variable that holds one`,
  }),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .min(1, { message: `name at least one of ${WEBHOOK_EVENT_TYPES.join(', ')}` })
    .refine((events) => new Set(events).size === events.length, { message: 'lists an event twice' }),
});

const hubspotSchema = strict({
  owner_routing: z.boolean().prefault(true),
  write_back: z.boolean().prefault(true),
  refresh_owner_after: positiveDurationSchema.prefault('1d'),
  property_group: nonEmptyText
    .max(100)
    .regex(/^[a-z][a-z0-9_]*$/, {
      message: 'must be a HubSpot internal name: lowercase letters, digits and _',
    })
    .prefault('pls'),
});

const integrationsSchema = strict({
  hubspot: hubspotSchema.prefault({}),
  webhooks: z
    .array(webhookSchema)
    .max(MAX_WEBHOOKS, { message: `at most ${MAX_WEBHOOKS} webhooks` })
    .superRefine((webhooks, ctx) => {
      const seen = new Set<string>();
      for (const [i, webhook] of webhooks.entries()) {
        if (seen.has(webhook.url))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'url'],
            message: 'appears twice: list its events under one entry',
          });
        seen.add(webhook.url);
      }
    })
    .prefault([]),
});

const playIdSchema = idSchema
  .refine((id) => id !== NEW_BUSINESS, {
    message: `is the top level's play: give another id (the top-level scoring, routing and sla are ${NEW_BUSINESS})`,
  })
  .refine((id) => !RESERVED_TEAM_IDS.has(id.toLowerCase()) && !/^\d+d$/.test(id), {
    error: (issue) =>
      `${describeValue(issue.input)} is reserved: /pls queue and /pls sla read it as a filter`,
  });

const playScoringSchema = strict({
  half_life: positiveDurationSchema.optional(),
  tiers: strict({ hot: pointsSchema.optional(), warm: pointsSchema.optional() }).optional(),
  gates: strict({
    behavioral: pointsSchema.optional(),
    organizational: pointsSchema.optional(),
    intent: pointsSchema.optional(),
  }).optional(),
  // Empty is allowed: a play may score on metrics alone.
  signals: z.array(signalSchema).optional(),
  metrics: z.array(metricSchema).optional(),
  rules: playRulesSchema.optional(),
});

const playTargetsSchema = strict({
  claim: positiveDurationSchema.optional(),
  first_touch: positiveDurationSchema.optional(),
});

const playSchema = strict({
  id: playIdSchema,
  label: nonEmptyText.max(80).optional(),
  applies_to: matchSchema.optional(),
  opener: openerSchema.optional(),
  scoring: playScoringSchema.prefault({}),
  routing: strict({ teams: z.array(teamSchema).min(1), default_team: z.string().optional() }),
  sla: strict({
    business_hours: z.boolean().optional(),
    tiers: strict({ hot: playTargetsSchema.optional(), warm: playTargetsSchema.optional() }).optional(),
    escalation: z
      .array(escalationStepSchema)
      .transform((steps) => [...steps].sort((a, b) => a.at - b.at))
      .optional(),
  }).prefault({}),
});

type ManifestInput = z.output<typeof manifestInputSchema>;
type PlayInput = z.output<typeof playSchema>;

const DEFAULT_TIMEZONE = 'America/New_York';

const manifestInputSchema = strict({
  timezone: timezoneSchema.prefault(DEFAULT_TIMEZONE),
  labels: z.record(nonEmptyText, nonEmptyText.max(100)).prefault({}),
  retention: positiveDurationSchema.prefault('180d'),
  scoring: scoringSchema,
  routing: routingSchema,
  sla: slaSchema.prefault({}),
  plays: z.array(playSchema).prefault([]),
  integrations: integrationsSchema.prefault({}),
});

/** A play's scoring as it judges: its keys merged over the top level's (SPEC §5). */
function mergedScoring(top: ScoringInput, play: PlayInput['scoring']): ScoringInput {
  return {
    half_life: play.half_life ?? top.half_life,
    tiers: { ...top.tiers, ...definedOf(play.tiers) },
    gates: { ...top.gates, ...definedOf(play.gates) },
    signals: play.signals ?? top.signals,
    metrics: play.metrics ?? top.metrics,
    rules: { ...top.rules, ...PLAY_RULE_DEFAULTS, ...definedOf(play.rules) },
  };
}

function mergedSla(top: ManifestInput['sla'], play: PlayInput['sla']): ManifestInput['sla'] {
  return {
    sweep_every: top.sweep_every,
    business_hours: play.business_hours ?? top.business_hours,
    tiers: {
      hot: { ...top.tiers.hot, ...definedOf(play.tiers?.hot) },
      warm: { ...top.tiers.warm, ...definedOf(play.tiers?.warm) },
    },
    escalation: play.escalation ?? top.escalation,
  };
}

/** The keys that were given (an optional key zod leaves undefined must not hide the top level's). */
function definedOf<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What only the whole manifest can check of its plays: ids, teams and reps across them, merged scoring. */
function checkPlays(input: ManifestInput, ctx: z.core.$RefinementCtx): void {
  const repIds = new Set(input.routing.reps.map((rep) => rep.id));
  const teamOwners = new Map(input.routing.teams.map((team, index) => [team.id, `routing.teams.${index}`]));
  const playIds = new Set<string>();
  const everyTeam = new Set([
    ...input.routing.teams.map((team) => team.id.toLowerCase()),
    ...input.plays.flatMap((play) => play.routing.teams.map((team) => team.id.toLowerCase())),
  ]);
  input.plays.forEach((play, p) => {
    const issue = issueAt(ctx, ['plays', p]);
    if (playIds.has(play.id)) issue(['id'], `play "${play.id}" appears twice`);
    // Commands take a team or a play by its id: one word must not name both.
    if (everyTeam.has(play.id.toLowerCase()))
      issue(['id'], `"${play.id}" is also a team's id: give the play another`);
    playIds.add(play.id);
    checkScoring(mergedScoring(input.scoring, play.scoring), `plays.${p}.scoring`, (path, message) =>
      issue(['scoring', ...path], message),
    );
    play.routing.teams.forEach((team, t) => {
      const owner = teamOwners.get(team.id);
      if (owner)
        issue(
          ['routing', 'teams', t, 'id'],
          `team id "${team.id}" is taken (${owner}): team ids are unique across plays`,
        );
      else teamOwners.set(team.id, `plays.${p}.routing.teams.${t}`);
      team.reps.forEach((id, r) => {
        if (!repIds.has(id)) issue(['routing', 'teams', t, 'reps', r], `${id} is not listed in routing.reps`);
      });
    });
    const catchAll = play.routing.teams.findIndex((team) => Object.keys(team.match).length === 0);
    if (catchAll !== -1 && catchAll < play.routing.teams.length - 1)
      issue(
        ['routing', 'teams', catchAll + 1],
        `is never reached: team "${play.routing.teams[catchAll]!.id}" before it matches every account`,
      );
    const teamIds = play.routing.teams.map((team) => team.id);
    const defaultTeam = play.routing.default_team;
    if (defaultTeam !== undefined && !teamIds.includes(defaultTeam))
      issue(
        ['routing', 'default_team'],
        `no team "${defaultTeam}" in this play (teams: ${teamIds.join(', ')})`,
      );
    const sla = mergedSla(input.sla, play.sla);
    for (const tier of ALERT_TIERS) {
      if (sla.tiers[tier].first_touch < sla.tiers[tier].claim)
        issue(
          ['sla', 'tiers', tier, 'first_touch'],
          'must not be shorter than claim: both run from the moment the alert is raised',
        );
    }
  });
}

export const manifestSchema = manifestInputSchema
  .superRefine(checkPlays, WHEN_VALID)
  .transform((input): Manifest => {
    const labels = () => Object.assign(Object.create(null), input.labels) as Record<string, string>;
    const hours = (value: { tz?: string | undefined; days: number[]; from: number; to: number }): Hours => ({
      tz: value.tz ?? input.timezone,
      days: value.days,
      from: value.from,
      to: value.to,
    });
    const teamHours = { days: [1, 2, 3, 4, 5], from: 9 * 60, to: 18 * 60 };
    const teamsOf = (teams: ManifestInput['routing']['teams']): Team[] =>
      teams.map((team) => ({ ...team, hours: hours(team.hours ?? teamHours) }));
    const { routing, scoring } = input;
    const topRouting: Routing = {
      strategy: routing.strategy,
      default_team: routing.default_team ?? routing.teams[0]!.id,
      teams: teamsOf(routing.teams),
      reps: routing.reps.map((rep) => ({
        id: rep.id,
        email: rep.email ?? null,
        capacity: rep.capacity,
        tiers: rep.tiers,
        countries: rep.countries ?? null,
        hours: rep.hours == null ? null : hours(rep.hours),
        weight: rep.weight,
      })),
      managers: routing.managers,
      escalation_channel: routing.escalation_channel,
    };
    const topScoring = resolveScoring(scoring, labels());
    const newBusiness: Play = {
      id: NEW_BUSINESS,
      label: 'New business',
      applies_to: null,
      prospects_only: input.plays.length > 0,
      opener: null,
      scoring: topScoring,
      routing: topRouting,
      sla: input.sla,
    };
    const plays = input.plays.map(
      (play): Play => ({
        id: play.id,
        label: play.label ?? humanise(play.id),
        applies_to: play.applies_to ?? null,
        prospects_only: false,
        opener: play.opener ?? null,
        scoring: resolveScoring(mergedScoring(scoring, play.scoring), labels()),
        routing: {
          ...topRouting,
          default_team: play.routing.default_team ?? play.routing.teams[0]!.id,
          teams: teamsOf(play.routing.teams),
        },
        sla: mergedSla(input.sla, play.sla),
      }),
    );
    return {
      timezone: input.timezone,
      labels: labels(),
      retention: input.retention,
      scoring: topScoring,
      routing: topRouting,
      sla: input.sla,
      plays: [newBusiness, ...plays],
      teams: [newBusiness, ...plays].flatMap((play) => play.routing.teams),
      integrations: input.integrations,
    };
  });

/** A scoring definition as the engine reads it: every optional key filled in. */
function resolveScoring(scoring: ScoringInput, labels: Record<string, string>): Scoring {
  return {
    ...scoring,
    labels,
    signals: scoring.signals.map((signal) => ({
      id: signal.id,
      layer: signal.layer,
      event: signal.event,
      points: signal.points,
      cap: signal.cap ?? null,
      handoff:
        signal.handoff === undefined
          ? null
          : {
              count: signal.handoff.count,
              within: signal.handoff.within ?? null,
              distinct: signal.handoff.distinct ?? null,
            },
      says: signal.says ?? null,
      label: signal.label ?? humanise(signal.id),
      opener: signal.opener ?? null,
      where: signal.where ?? null,
    })),
    metrics: scoring.metrics.map((metric) => ({
      ...metric,
      steps: metric.steps.map(([threshold, points]) => [threshold, points] as const),
    })),
  };
}
