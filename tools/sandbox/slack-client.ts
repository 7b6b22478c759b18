import { COMMAND } from '../../src/slack/ids.js';
import type { EmulatedMessage, EmulatedView, SlackEmulator } from '../emulator/emulator-types.js';
import type { PressContainer, PressedAction } from './block-kit-html.js';
import {
  type ActionSource,
  type Actor,
  appHomeOpenedEnvelope,
  blockActionsPayload,
  escapeCommandText,
  interactionBody,
  newTriggerId,
  SLACK_IDS,
  type StateValues,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionPayload,
} from './slack-requests.js';
import type { Workspace } from './workspace.js';

/**
 * The sandbox's Slack client: what the Slack app on a person's laptop does for them. It turns
 * their clicks, commands and modal submissions into the signed requests Slack sends to pls,
 * and keeps what only they see: replies to their commands and the modals opened for them.
 * Everything pls itself sends goes to the Slack emulator, which this reads.
 */
export interface Ephemeral {
  id: string;
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** `/pls queue` when it answers a command. */
  command?: string;
}

export type Outcome = { ok: true } | { ok: false; error: string };
export type SubmitOutcome = Outcome & { errors?: Record<string, string>; closed?: boolean };

/** What the page sends for a modal: block id → action id → the raw value typed or chosen. */
export type RawValues = Record<string, Record<string, string | null>>;

/** What the sandbox remembers of past interactions (trigger ids, response URLs): enough for any person's. */
const REMEMBERED = 500;
/** Slack gives an app 3 seconds to acknowledge (https://docs.slack.dev/interactivity/handling-user-interaction). */
const ACK_WINDOW_MS = 3_000;
const SLACK_REQUIRED = 'Please complete this required field.';

export interface SandboxSlack {
  /** Changes whenever anything the page shows may have changed. */
  version(): number;
  press(as: string, container: PressContainer, action: PressedAction): Promise<Outcome>;
  submit(as: string, viewId: string, values: RawValues): Promise<SubmitOutcome>;
  closeModal(as: string, viewId: string): void;
  command(as: string, channel: string, text: string): Promise<Outcome>;
  openHome(as: string): Promise<Outcome>;
  /** A message typed by a person (pls does not read channels; the page shows it). */
  say(as: string, channel: string, text: string): void;
  /** The modal in front for this person, if any. */
  modalOf(as: string): EmulatedView | undefined;
  /** Ephemeral messages this person sees in a channel: pls's postEphemeral and command replies. */
  ephemerals(as: string, channel: string): Ephemeral[];
  /** A POST to a `response_url` the sandbox handed out; false when the URL is unknown. */
  respond(token: string, body: Record<string, unknown>): boolean;
  stop(): void;
}

export function createSandboxSlack(deps: {
  emulator: SlackEmulator;
  workspace: Workspace;
  /** Where pls listens, for `/slack/events`. */
  botUrl: () => string;
  /** Where the page is served, for the `response_url`s handed to pls. */
  pageUrl: () => string;
  signingSecret: string;
  now?: () => number;
}): SandboxSlack {
  const { emulator, workspace } = deps;
  const now = deps.now ?? Date.now;
  let version = 0;
  const bump = () => {
    version += 1;
  };
  /** trigger id → the person whose interaction it came from: views.open with it opens their modal. */
  const triggers = new Map<string, string>();
  const modals = new Map<string, string[]>();
  const replies: Ephemeral[] = [];
  const responseUrls = new Map<string, { user: string; channel: string; command?: string }>();
  let counter = 0;
  const nextId = () => {
    counter += 1;
    return counter;
  };

  const unsubscribe = emulator.on((call) => {
    bump();
    if (call.method !== 'views.open' && call.method !== 'views.push') return;
    const trigger = String(call.args.trigger_id ?? call.args.interactivity_pointer ?? '');
    const user = triggers.get(trigger);
    const view = call.response?.ok ? (call.response.view as { id?: string } | undefined) : undefined;
    if (user === undefined || view?.id === undefined) return;
    const stack = call.method === 'views.open' ? [] : (modals.get(user) ?? []);
    modals.set(user, [...stack, view.id]);
  });

  /** How Slack resolves `@name` and `#channel` in what people type. */
  const lookup = {
    user: (name: string) => {
      const person = workspace.people.find(
        (p) => p.name.toLowerCase() === name.toLowerCase() || p.id === name.toUpperCase(),
      );
      return person ? { id: person.id, name: person.name.toLowerCase() } : undefined;
    },
    channel: (name: string) => workspace.channels.find((c) => c.name === name)?.id,
  };

  function actor(id: string): Actor {
    const person = workspace.person(id);
    if (!person) throw new Error(`${id} is not in the sandbox workspace`);
    return { id, name: person.name.toLowerCase() };
  }

  function channelRef(id: string): { id: string; name: string } {
    const channel = workspace.channel(id);
    // Slack names every DM "directmessage" in slash commands.
    return { id, name: channel?.name ?? 'directmessage' };
  }

  function trigger(as: string): string {
    const id = newTriggerId(now());
    triggers.set(id, as);
    if (triggers.size > REMEMBERED) triggers.delete(triggers.keys().next().value!);
    return id;
  }

  function responseUrl(user: string, channel: string, command?: string): string {
    const token = `r${nextId()}${Math.random().toString(36).slice(2, 10)}`;
    responseUrls.set(token, { user, channel, ...(command ? { command } : {}) });
    if (responseUrls.size > REMEMBERED) responseUrls.delete(responseUrls.keys().next().value!);
    return `${deps.pageUrl()}/sandbox/response/${token}`;
  }

  async function send(raw: string, contentType: string): Promise<{ status: number; body: string } | string> {
    try {
      const res = await fetch(`${deps.botUrl()}/slack/events`, {
        method: 'POST',
        headers: { ...signSlackRequest(raw, deps.signingSecret, now()), 'content-type': contentType },
        body: raw,
        signal: AbortSignal.timeout(ACK_WINDOW_MS),
      });
      return { status: res.status, body: await res.text() };
    } catch (error) {
      return error instanceof Error && error.name === 'TimeoutError'
        ? 'pls did not answer within 3 seconds: Slack would show the person an error'
        : `could not reach pls: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  const FORM = 'application/x-www-form-urlencoded';

  function addReply(reply: Omit<Ephemeral, 'id' | 'ts'>): void {
    const ts = (now() / 1000).toFixed(6);
    replies.push({ ...reply, id: `reply-${nextId()}`, ts });
    if (replies.length > REMEMBERED) replies.shift();
    bump();
  }

  function ephemerals(as: string, channel: string): Ephemeral[] {
    const fromBot = emulator.ephemerals(channel, as).map((e) => ({
      id: `eph-${e.channel}-${e.ts}`,
      channel: e.channel,
      user: e.user,
      ts: e.ts,
      text: e.text,
      blocks: e.blocks,
    }));
    const mine = replies.filter((r) => r.user === as && r.channel === channel);
    return [...fromBot, ...mine].sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  function sourceOf(as: string, container: PressContainer): ActionSource | string {
    switch (container.type) {
      case 'message': {
        const message = emulator.message(container.channel, container.ts);
        if (!message) return 'that message is gone';
        return { kind: 'message', channel: channelRef(container.channel), message: messageJson(message) };
      }
      case 'ephemeral': {
        const found = workspace.channels
          .map((c) => c.id)
          .concat(workspace.dmOf(as))
          .flatMap((channel) => ephemerals(as, channel))
          .find((e) => e.id === container.id);
        if (!found) return 'that message is gone';
        return { kind: 'ephemeral', channel: channelRef(found.channel), messageTs: found.ts };
      }
      case 'view': {
        const view = emulator.views.get(container.viewId);
        if (!view) return 'that view is gone';
        return { kind: 'view', view: view.view };
      }
    }
  }

  return {
    version: () => version,

    async press(as, container, action) {
      const source = sourceOf(as, container);
      if (typeof source === 'string') return { ok: false, error: source };
      const channel = source.kind === 'view' ? workspace.dmOf(as) : source.channel.id;
      const payload = blockActionsPayload({
        actor: actor(as),
        source,
        action,
        triggerId: trigger(as),
        responseUrl: responseUrl(as, channel),
        at: now(),
      });
      const answer = await send(interactionBody(payload), FORM);
      if (typeof answer === 'string') return { ok: false, error: answer };
      return answer.status === 200
        ? { ok: true }
        : { ok: false, error: `pls answered HTTP ${answer.status}` };
    },

    async submit(as, viewId, raw) {
      const stored = emulator.views.get(viewId);
      if (!stored) return { ok: false, error: 'that modal is gone' };
      const read = stateValues(stored.view, raw);
      if ('errors' in read) return { ok: true, errors: read.errors };
      const payload = viewSubmissionPayload({
        actor: actor(as),
        view: stored.view,
        values: read.values,
        triggerId: trigger(as),
      });
      const answer = await send(interactionBody(payload), FORM);
      if (typeof answer === 'string') return { ok: false, error: answer };
      if (answer.status !== 200) return { ok: false, error: `pls answered HTTP ${answer.status}` };
      const body = parseJson(answer.body);
      const action = body?.response_action;
      if (action === 'errors') {
        return { ok: true, errors: (body?.errors as Record<string, string> | undefined) ?? {} };
      }
      if (action === 'clear') modals.delete(as);
      else if (action === undefined) popModal(as, viewId);
      else return { ok: false, error: `response_action "${String(action)}" is not emulated by the sandbox` };
      bump();
      return { ok: true, closed: true };
    },

    closeModal(as, viewId) {
      // pls never asks for view_closed (notify_on_close), so closing is the client's business only.
      popModal(as, viewId);
      bump();
    },

    async command(as, channel, typed) {
      const [command = '', ...rest] = typed.trim().split(/\s+/);
      // Slack itself refuses a command no installed app declares; pls declares one.
      if (command !== COMMAND)
        return { ok: false, error: `${command} is not a valid command. pls has ${COMMAND}.` };
      const text = escapeCommandText(rest.join(' '), lookup);
      const invocation = `${command} ${rest.join(' ')}`.trim();
      const body = slashCommandBody({
        actor: actor(as),
        channel: channelRef(channel),
        command,
        text,
        triggerId: trigger(as),
        responseUrl: responseUrl(as, channel, invocation),
      });
      const answer = await send(body, FORM);
      if (typeof answer === 'string') return { ok: false, error: answer };
      if (answer.status !== 200) return { ok: false, error: `pls answered HTTP ${answer.status}` };
      const reply = parseJson(answer.body);
      // An empty ack means the reply (if any) comes later through the response_url.
      if (reply && (reply.text !== undefined || reply.blocks !== undefined)) {
        addReply({
          channel,
          user: as,
          text: String(reply.text ?? ''),
          blocks: Array.isArray(reply.blocks) ? reply.blocks : [],
          command: invocation,
        });
      }
      return { ok: true };
    },

    async openHome(as) {
      const at = now();
      const envelope = appHomeOpenedEnvelope({
        actor: actor(as),
        dmChannel: workspace.dmOf(as),
        view: emulator.views.home(as)?.view,
        eventId: `Ev${at.toString(36).toUpperCase()}${nextId()}`,
        at,
      });
      const answer = await send(JSON.stringify(envelope), 'application/json');
      if (typeof answer === 'string') return { ok: false, error: answer };
      return answer.status === 200
        ? { ok: true }
        : { ok: false, error: `pls answered HTTP ${answer.status}` };
    },

    say(as, channel, typed) {
      emulator.seedMessage({ channel, user: as, text: escapeCommandText(typed, lookup) });
      bump(); // not a Web API call: the emulator tells no listener
    },

    modalOf(as) {
      const id = modals.get(as)?.at(-1);
      return id === undefined ? undefined : emulator.views.get(id);
    },

    ephemerals,

    respond(token, body) {
      const target = responseUrls.get(token);
      if (!target) return false;
      addReply({
        channel: target.channel,
        user: target.user,
        text: String(body.text ?? ''),
        blocks: Array.isArray(body.blocks) ? body.blocks : [],
        ...(target.command ? { command: target.command } : {}),
      });
      return true;
    },

    stop() {
      unsubscribe();
    },
  };

  function popModal(as: string, viewId: string): void {
    const stack = (modals.get(as) ?? []).filter((id) => id !== viewId);
    if (stack.length > 0) modals.set(as, stack);
    else modals.delete(as);
  }
}

/** A message as Slack puts it in a payload's `message` field. */
function messageJson(message: EmulatedMessage): Record<string, unknown> {
  return {
    user: message.user,
    type: 'message',
    ts: message.ts,
    ...(message.botId === undefined ? {} : { bot_id: message.botId, app_id: SLACK_IDS.appId }),
    text: message.text,
    team: SLACK_IDS.teamId,
    ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
    ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }),
  };
}

type Json = Record<string, unknown>;

function parseJson(text: string): Json | null {
  if (text.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Json) : null;
  } catch {
    return null;
  }
}

/**
 * The modal's `state.values` as Slack would send them: every input block, typed values as
 * strings (null when empty), a select as its chosen option. Slack's own client refuses to
 * submit an empty required input, so that check happens here, before pls sees anything.
 */
function stateValues(
  view: Json,
  raw: RawValues,
): { values: StateValues } | { errors: Record<string, string> } {
  const values: StateValues = {};
  const errors: Record<string, string> = {};
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Json[]) : [];
  blocks.forEach((block, index) => {
    if (block?.type !== 'input' || typeof block.element !== 'object' || block.element === null) return;
    const element = block.element as Json;
    const blockId = typeof block.block_id === 'string' ? block.block_id : `sandbox-${index}`;
    const actionId = String(element.action_id ?? '');
    const typed = raw[blockId]?.[actionId];
    const value = typeof typed === 'string' && typed.trim() !== '' ? typed : null;
    const problem =
      value === null ? (block.optional === true ? null : SLACK_REQUIRED) : checkInput(element, value);
    if (problem) errors[blockId] = problem;
    const type = String(element.type);
    if (type === 'static_select') {
      const option = optionsOf(element).find((o) => o.value === value) ?? null;
      values[blockId] = { [actionId]: { type, selected_option: option } };
    } else {
      values[blockId] = { [actionId]: { type, value } };
    }
  });
  return Object.keys(errors).length > 0 ? { errors } : { values };
}

/**
 * The limits Slack's client enforces before a modal is submitted: text length, number range
 * and decimals (https://docs.slack.dev/reference/block-kit/block-elements/number-input-element).
 */
function checkInput(element: Json, value: string): string | null {
  if (element.type === 'plain_text_input') {
    if (typeof element.max_length === 'number' && value.length > element.max_length)
      return `Must be at most ${element.max_length} characters (${value.length} now).`;
    if (typeof element.min_length === 'number' && value.length < element.min_length)
      return `Must be at least ${element.min_length} characters.`;
  }
  if (element.type === 'number_input') {
    const n = Number(value);
    if (!Number.isFinite(n)) return 'Enter a number.';
    if (element.is_decimal_allowed !== true && !Number.isInteger(n)) return 'Enter a whole number.';
    if (typeof element.min_value === 'string' && n < Number(element.min_value))
      return `Must be ${element.min_value} or more.`;
    if (typeof element.max_value === 'string' && n > Number(element.max_value))
      return `Must be ${element.max_value} or less.`;
  }
  return null;
}

function optionsOf(element: Json): { text: unknown; value: string }[] {
  const flat = (options: unknown) => (Array.isArray(options) ? (options as Json[]) : []);
  const groups = flat(element.option_groups).flatMap((group) => flat(group.options));
  return [...flat(element.options), ...groups]
    .filter((o) => typeof o.value === 'string')
    .map((o) => ({ text: o.text, value: o.value as string }));
}
