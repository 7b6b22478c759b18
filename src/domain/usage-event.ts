/** An event as pls keeps it, whichever endpoint it came through. Times are epoch milliseconds. */
export interface UsageEvent {
  id: string;
  source: 'webhook' | 'segment';
  type: string;
  occurredAt: number;
  accountId: string | null;
  /** Firmographics to upsert; only the keys present change. */
  account: AccountPatch | null;
  userId: string | null;
  user: UserPatch | null;
  properties: Record<string, unknown>;
}

export interface AccountPatch {
  name?: string;
  domain?: string;
  plan?: string;
  employees?: number;
  industry?: string;
  country?: string;
  timezone?: string;
  owner?: string;
}

export interface UserPatch {
  email?: string;
  name?: string;
  title?: string;
}

/** How pls names an account to people: its name, else its domain, else its id. */
export function accountLabel(
  account: { name: string | null; domain: string | null } | null | undefined,
  id: string,
): string {
  return account?.name ?? account?.domain ?? id;
}

/** `https://www.Acme.com/pricing` → `acme.com`; a bare domain passes through lower-cased. */
export function normaliseDomain(value: string): string | undefined {
  const text = value.trim().toLowerCase();
  if (text === '') return undefined;
  let host = text;
  try {
    host = new URL(text.includes('://') ? text : `https://${text}`).hostname;
  } catch {
    return undefined;
  }
  return host.replace(/^www\./, '') || undefined;
}

/** The domain part of an email address, lower-cased. */
export function emailDomain(email: string | null | undefined): string | null {
  const at = email?.lastIndexOf('@') ?? -1;
  if (!email || at < 0) return null;
  return email.slice(at + 1).toLowerCase() || null;
}
