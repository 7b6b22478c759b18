import { WEBHOOK_EVENT_TYPES } from '../domain/definition.js';
import { type CodedError, ErrorCode } from '../domain/errors.js';
/**
 * A CRM as pls uses it: the whole of what owner routing (src/integrations/owner-lookup.ts) and
 * write-back (src/integrations/crm-sync.ts) ask of one. HubSpot implements it
 * (src/integrations/hubspot.ts); a Salesforce adapter would implement the same calls on Account,
 * User, Task and Note (README, "HubSpot").
 */
export interface Crm {
  /** How people know it: "HubSpot". */
  readonly name: string;
  /** Start-up: the fields pls writes exist (HubSpot: a property group and its properties). */
  prepare(): Promise<void>;
  /** The company with this web domain and its owner, or null when the CRM has none. */
  companyByDomain(domain: string): Promise<{ companyId: string; ownerId: string | null } | null>;
  /** An owner's email; null for an owner the CRM no longer has. */
  ownerEmail(ownerId: string): Promise<string | null>;
  /** The owner (a CRM user) with this email; null when there is none. */
  ownerIdByEmail(email: string): Promise<string | null>;
  /** Writes pls's view of the account onto its company. */
  updateCompany(companyId: string, facts: CompanyFacts): Promise<void>;
  /** Creates a task; its id. */
  createTask(task: CrmTaskFields & { companyId: string | null }): Promise<string>;
  updateTask(taskId: string, change: Partial<CrmTaskFields> & { done?: boolean }): Promise<void>;
  /** Removes a task nobody owes any more (a released alert's). */
  deleteTask(taskId: string): Promise<void>;
  /** Adds a note; its id. */
  addNote(note: {
    companyId: string | null;
    ownerId: string | null;
    body: string;
    at: number;
  }): Promise<string>;
}

/** What pls writes on a company. */
export interface CompanyFacts {
  score: number | null;
  tier: string | null;
  /** Why now, in words: the last alert's trigger. */
  lastSignal?: string | null;
  /** The alert's state (`open`, `claimed`, `contacted`, `closed`). */
  alertState?: string | null;
  /**
   * The play of the alert the state and link are of ("Churn risk"): the company's latest alert
   * of any play, so a rep in the CRM reads which conversation it is.
   */
  alertPlay?: string | null;
  /** The alert's Slack message. */
  alertLink?: string | null;
  at: number;
}

export interface CrmTaskFields {
  subject: string;
  body: string;
  /** When the task is due: the first-touch deadline. */
  dueAt: number;
  ownerId: string | null;
  priority: 'HIGH' | 'MEDIUM' | 'LOW';
}

/** The code of each kind of CRM failure. */
const CRM_CODES = {
  throttled: ErrorCode.CrmThrottled,
  unavailable: ErrorCode.CrmUnavailable,
  unauthorised: ErrorCode.CrmUnauthorised,
  rejected: ErrorCode.CrmRejected,
  missing: ErrorCode.CrmMissing,
} as const;

/**
 * A CRM call that failed. `kind` says what to do about it: `throttled` — wait `retryAfterMs`,
 * it does not count as a failure; `unavailable` — retry with backoff; `unauthorised` — the
 * token is wrong or lacks a scope (every call will fail until someone fixes it: managers are
 * told); `rejected` — this request will never succeed (bad data): give up on it;
 * `missing` — the record is gone (deleted in the CRM).
 */
export class CrmError extends Error implements CodedError {
  readonly code: ErrorCode;
  constructor(
    readonly kind: keyof typeof CRM_CODES,
    message: string,
    readonly retryAfterMs: number | null = null,
    /** The CRM's HTTP status, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'CrmError';
    this.code = CRM_CODES[kind];
  }
}

/** The write-back lane's rows carry this as their `url` (they are never POSTed anywhere). */
export const CRM_LANE = 'crm:hubspot';
/** What pls writes back: every event an outbound webhook can be told of (README, "HubSpot"). */
export const CRM_EVENTS = WEBHOOK_EVENT_TYPES;
