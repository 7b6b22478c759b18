import type { Manifest } from '../../src/domain/definition.js';
import type { EmulatedUser } from '../emulator/emulator-types.js';

/**
 * The pretend Slack workspace the sandbox shows, derived from the manifest: a channel per team
 * plus the escalation channel, and a person per rep and manager (and one guest the manifest does
 * not name, to show what pls tells people who may not press its buttons).
 */
export interface SandboxChannel {
  id: string;
  name: string;
  purpose: string;
}

export type Role = 'rep' | 'manager' | 'guest';

export interface SandboxPerson {
  id: string;
  name: string;
  email: string;
  role: Role;
  /** IANA zone: the rep's own hours, else their first team's, else the manifest's. */
  tz: string;
  /** What the picker says about them. */
  about: string;
}

export interface Workspace {
  teamName: string;
  channels: SandboxChannel[];
  people: SandboxPerson[];
  person(id: string): SandboxPerson | undefined;
  channel(id: string): SandboxChannel | undefined;
  /**
   * The channel a person's page opens on: a rep's team's, the escalation channel for a manager
   * (where pls calls on them), the default team's for anyone else.
   */
  homeChannelOf(userId: string): string;
  /** The bot's DM with a user: the id the emulator gives it (`U0ANA` → `D0ANA`). */
  dmOf(userId: string): string;
  /** The users the emulator knows, for users.info, DMs and ephemerals. */
  emulatorUsers(): EmulatedUser[];
}

export const GUEST_ID = 'U0QUINN';

/** `ana@seller.com` → `Ana`; `U0SAM` → `Sam`. */
export function displayName(id: string, email: string | null): string {
  const base = email ? email.split('@')[0]!.split(/[._-]/)[0]! : id.replace(/^[UW]0?/, '');
  return base.charAt(0).toUpperCase() + base.slice(1).toLowerCase();
}

export function createWorkspace(manifest: Manifest): Workspace {
  const { routing, teams } = manifest;
  const channels: SandboxChannel[] = teams.map((team) => ({
    id: team.channel,
    name: `pls-${team.id}`,
    purpose: `${team.id} team · reps ${team.reps.map((id) => displayName(id, emailOf(id))).join(', ')}`,
  }));
  if (!channels.some((c) => c.id === routing.escalation_channel)) {
    channels.push({
      id: routing.escalation_channel,
      name: 'pls-escalations',
      purpose: 'escalations: alerts nobody claimed in time, for the managers',
    });
  }

  const people: SandboxPerson[] = [];
  for (const id of routing.managers) {
    const email = emailOf(id) ?? `${displayName(id, null).toLowerCase()}@seller.com`;
    people.push({
      id,
      name: displayName(id, emailOf(id)),
      email,
      role: 'manager',
      tz: manifest.timezone,
      about: 'manager: may run every /pls command',
    });
  }
  for (const rep of routing.reps) {
    if (people.some((p) => p.id === rep.id)) continue;
    const repTeams = teams.filter((team) => team.reps.includes(rep.id));
    const name = displayName(rep.id, rep.email);
    people.push({
      id: rep.id,
      name,
      email: rep.email ?? `${name.toLowerCase()}@seller.com`,
      role: 'rep',
      tz: rep.hours?.tz ?? repTeams[0]?.hours.tz ?? manifest.timezone,
      about: `rep · ${repTeams.map((t) => t.id).join(', ') || 'no team'} · ${rep.tiers.join('+')}`,
    });
  }
  if (!people.some((p) => p.id === GUEST_ID)) {
    people.push({
      id: GUEST_ID,
      name: 'Quinn',
      email: 'quinn@seller.com',
      role: 'guest',
      tz: manifest.timezone,
      about: 'marketing, not in the manifest: pls says why not',
    });
  }

  function emailOf(id: string): string | null {
    return routing.reps.find((rep) => rep.id === id)?.email ?? null;
  }

  return {
    teamName: 'pls sandbox',
    channels,
    people,
    person: (id) => people.find((p) => p.id === id),
    channel: (id) => channels.find((c) => c.id === id),
    homeChannelOf(userId) {
      if (routing.managers.includes(userId)) return routing.escalation_channel;
      const team =
        teams.find((t) => t.reps.includes(userId)) ??
        routing.teams.find((t) => t.id === routing.default_team);
      return team?.channel ?? channels[0]!.id;
    },
    dmOf: (userId) => `D${userId.slice(1)}`,
    emulatorUsers: () =>
      people.map(({ id, name, email, tz }) => ({ id, name: name.toLowerCase(), email, tz })),
  };
}
