import { createRng } from '../../src/domain/rng.js';
import type { EmulatedMessage, SlackEmulator } from '../emulator/emulator-types.js';
import type { PressedAction } from './block-kit-html.js';
import type { RawValues, SandboxSlack } from './slack-client.js';
import type { Workspace } from './workspace.js';

/**
 * Simulated colleagues, so `/pls sla` has claims, first touches and outcomes to report: the
 * reps read the alert channels like people do (the messages in the emulator) and press the
 * same buttons and fill the same modals a person does on the page, through the sandbox's Slack
 * client. They work some alerts and leave the rest, which then climb the escalation ladder.
 * They never act as the person someone is using the page as.
 */
export interface Colleagues {
  stop(): void;
}

interface Plan {
  firstSeen: number;
  works: boolean;
  /** ms after first seen, at ×1. */
  claimAfter: number;
  contactAfter: number;
  outcomeAfter: number;
  outcome: string;
  amount: string | null;
  done: boolean;
  /** The modal a Log outcome press is waiting for. */
  awaitingModal: { user: string; since: number } | null;
}

const TICK_MS = 1_000;
const OUTCOMES = ['won', 'won', 'won', 'lost', 'lost', 'no_response', 'not_a_fit'] as const;
const NOTES: Record<string, string> = {
  won: 'Annual plan, 25 seats. They wanted SSO and an invoice.',
  lost: 'Went with a competitor already on their procurement list.',
  no_response: 'Two emails and a LinkedIn note, no answer.',
  not_a_fit: 'Student project that outgrew the free plan.',
};

export function createColleagues(deps: {
  emulator: SlackEmulator;
  workspace: Workspace;
  slack: SandboxSlack;
  /** Who is using the page right now: colleagues leave them alone. */
  isWatched: (userId: string) => boolean;
  speed: number;
  seed?: number;
  now?: () => number;
}): Colleagues {
  const { emulator, workspace, slack } = deps;
  const now = deps.now ?? Date.now;
  const random = createRng(deps.seed ?? 7);
  const plans = new Map<string, Plan>();
  const channels = workspace.channels.filter((c) => c.name !== 'pls-escalations').map((c) => c.id);
  const reps = new Set(workspace.people.filter((p) => p.role === 'rep').map((p) => p.id));
  let busy = false;

  /**
   * A colleague's plan for a message, timed from when it was posted (its `ts`, on the sandbox's
   * clock), not from when a tick first saw it: how soon they act never depends on tick timing.
   */
  function planFor(key: string, postedAt: number): Plan {
    let plan = plans.get(key);
    if (!plan) {
      const outcome = random.pick(OUTCOMES);
      plan = {
        firstSeen: Number.isFinite(postedAt) ? Math.min(postedAt, now()) : now(),
        works: random.chance(0.6),
        claimAfter: random.int(30, 80) * 1_000,
        contactAfter: random.int(20, 50) * 1_000,
        outcomeAfter: random.int(30, 70) * 1_000,
        outcome,
        amount: outcome === 'won' ? String(random.pick([4_800, 12_000, 18_000, 36_000])) : null,
        done: false,
        awaitingModal: null,
      };
      plans.set(key, plan);
    }
    return plan;
  }

  const due = (plan: Plan, ms: number) => now() - plan.firstSeen >= ms / deps.speed;

  async function work(message: EmulatedMessage): Promise<void> {
    const plan = planFor(`${message.channel}/${message.ts}`, Number(message.ts) * 1000);
    if (!plan.works || plan.done) return;
    const buttons = buttonsOf(message);
    if (buttons.size === 0) {
      plan.done = true;
      return;
    }
    const status = contextText(message);
    const claimer = /Claimed by <@([UW][A-Z0-9]+)>/.exec(status)?.[1];
    const suggested = /Suggested rep: <@([UW][A-Z0-9]+)>/.exec(status)?.[1];
    const container = { type: 'message' as const, channel: message.channel, ts: message.ts };
    const press = (as: string, action: PressedAction) =>
      deps.isWatched(as) || !reps.has(as)
        ? Promise.resolve()
        : slack.press(as, container, action).then(() => {});

    if (plan.awaitingModal) {
      const { user, since } = plan.awaitingModal;
      const modal = slack.modalOf(user);
      if (modal && (deps.isWatched(user) || !reps.has(user))) {
        // Someone became this rep meanwhile: the modal is theirs now, to fill or to close.
        plan.awaitingModal = null;
      } else if (modal) {
        await slack.submit(user, modal.id, fill(modal.view, plan));
        plan.awaitingModal = null;
      } else if (now() - since > 10_000) plan.awaitingModal = null; // try the button again
      return;
    }
    const claim = buttons.get('claim');
    if (claim && suggested && due(plan, plan.claimAfter)) return press(suggested, claim);
    const contacted = buttons.get('mark_contacted');
    if (contacted && claimer && due(plan, plan.claimAfter + plan.contactAfter))
      return press(claimer, contacted);
    const outcome = buttons.get('log_outcome');
    if (
      outcome &&
      !contacted &&
      claimer &&
      due(plan, plan.claimAfter + plan.contactAfter + plan.outcomeAfter)
    ) {
      if (deps.isWatched(claimer) || !reps.has(claimer)) return;
      plan.awaitingModal = { user: claimer, since: now() };
      await press(claimer, outcome);
    }
  }

  async function tick(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (const channel of channels) for (const message of emulator.messages(channel)) await work(message);
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void tick(), TICK_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}

type Json = Record<string, unknown>;

/** The message's buttons by action id, as the page would draw them. */
function buttonsOf(message: EmulatedMessage): Map<string, PressedAction> {
  const found = new Map<string, PressedAction>();
  message.blocks.forEach((block, index) => {
    const b = block as Json;
    if (b.type !== 'actions' || !Array.isArray(b.elements)) return;
    for (const element of b.elements as Json[]) {
      if (element.type !== 'button' || typeof element.action_id !== 'string') continue;
      found.set(element.action_id, {
        type: 'button',
        block_id: typeof b.block_id === 'string' ? b.block_id : `sandbox-${index}`,
        action_id: element.action_id,
        text: String((element.text as Json | undefined)?.text ?? ''),
        ...(typeof element.value === 'string' ? { value: element.value } : {}),
        ...(typeof element.style === 'string' ? { style: element.style } : {}),
      });
    }
  });
  return found;
}

function contextText(message: EmulatedMessage): string {
  return message.blocks
    .filter((b) => (b as Json).type === 'context')
    .flatMap((b) => ((b as Json).elements as Json[] | undefined) ?? [])
    .map((e) => String(e.text ?? ''))
    .join('\n');
}

/** Fills a modal the way a rep would: the planned option in the select, an amount, a note. */
function fill(view: Json, plan: Plan): RawValues {
  const values: RawValues = {};
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Json[]) : [];
  for (const block of blocks) {
    if (block.type !== 'input' || typeof block.block_id !== 'string') continue;
    const element = (block.element ?? {}) as Json;
    const actionId = String(element.action_id ?? '');
    let value: string | null = null;
    if (element.type === 'static_select') {
      const options = ((element.options as Json[] | undefined) ?? []).map((o) => String(o.value));
      value = options.includes(plan.outcome) ? plan.outcome : (options[0] ?? null);
    } else if (element.type === 'number_input') value = plan.amount;
    else if (block.block_id === 'note') value = NOTES[plan.outcome] ?? null;
    values[block.block_id] = { [actionId]: value };
  }
  return values;
}
