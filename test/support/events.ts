/** Builders for native webhook events (README, "Sending events"), with realistic defaults. */
let counter = 0;

export interface EventInput {
  id?: string;
  type: string;
  timestamp?: string | Date;
  account?: Record<string, unknown>;
  user?: Record<string, unknown> | null;
  properties?: Record<string, unknown>;
}

export function usageEvent(input: EventInput): Record<string, unknown> {
  counter++;
  const timestamp =
    input.timestamp instanceof Date
      ? input.timestamp.toISOString()
      : (input.timestamp ?? new Date().toISOString());
  return {
    id: input.id ?? `evt_${Date.now().toString(36)}_${counter}`,
    type: input.type,
    timestamp,
    account: { id: 'acct_42', ...input.account },
    ...(input.user === null
      ? {}
      : {
          user: { id: 'u_7', email: 'kim@acme.com', name: 'Kim Lee', title: 'VP Engineering', ...input.user },
        }),
    ...(input.properties ? { properties: input.properties } : {}),
  };
}

export const ACME = {
  id: 'acct_42',
  name: 'Acme',
  domain: 'acme.com',
  plan: 'free',
  employees: 250,
  industry: 'software',
  country: 'US',
  timezone: 'America/Chicago',
};

/** Acme's firmographics under the `n`th name of a series: `Chaos 3`, `acct_chaos_3`, `chaos3.example`. */
export const numberedAccount = (word: string, n: number) => ({
  ...ACME,
  id: `acct_${word.toLowerCase()}_${n}`,
  name: `${word} ${n}`,
  domain: `${word.toLowerCase()}${n}.example`,
});

/**
 * A realistic account that is about to turn hot: 250 employees, four active users over several
 * days, features, invites. Everything but the final intent moment.
 */
export function warmingAccount(
  account: Record<string, unknown> = ACME,
  now = Date.now(),
): Record<string, unknown>[] {
  const hour = 3_600_000;
  const at = (hoursAgo: number) => new Date(now - hoursAgo * hour);
  const users = ['u_7', 'u_8', 'u_9', 'u_10'];
  const events: Record<string, unknown>[] = [];
  users.forEach((user, i) => {
    for (let day = 0; day < 5; day++) {
      events.push(
        usageEvent({
          type: 'session_started',
          timestamp: at(day * 24 + i + 1),
          account,
          user: { id: user, email: `${user}@acme.com`, name: `User ${user}` },
        }),
      );
    }
  });
  events.push(
    usageEvent({ type: 'feature_used', timestamp: at(3), account, properties: { feature: 'dashboards' } }),
  );
  events.push(
    usageEvent({ type: 'feature_used', timestamp: at(2), account, properties: { feature: 'api' } }),
  );
  events.push(
    usageEvent({
      type: 'teammate_invited',
      timestamp: at(5),
      account,
      properties: { invitee_email: 'lee@acme.com' },
    }),
  );
  events.push(
    usageEvent({
      type: 'teammate_invited',
      timestamp: at(4),
      account,
      properties: { invitee_email: 'sam@acme.com' },
    }),
  );
  return events;
}
