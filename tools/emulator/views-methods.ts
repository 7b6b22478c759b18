/**
 * views.open, views.push, views.update and views.publish.
 * Slack reports a bad view as `invalid_arguments` with `[ERROR] …` lines in
 * `response_metadata.messages` (views.push reference example: "missing required field: title"),
 * not as `invalid_blocks`.
 */
import { validateView } from './block-kit-limits.js';
import type { EmulatorState } from './emulator-state.js';
import type { CallArgs, EmulatedView, SlackResponseBody } from './emulator-types.js';
import { invalidArguments, type MethodHandler, ok, refuse, stringArg } from './method-handler.js';

type ViewType = EmulatedView['type'];

const open: MethodHandler = (args, { state, now }) => {
  const triggerId = stringArg(args, 'trigger_id') ?? stringArg(args, 'interactivity_pointer');
  if (triggerId === undefined) return invalidArguments(['missing required field: trigger_id']);
  const read = readView(args, 'modal');
  if ('refusal' in read) return read.refusal;
  const id = state.nextId('V');
  const stored: EmulatedView = {
    id,
    type: 'modal',
    view: fillView(state, read.view, {
      id,
      hash: nextHash(state, now),
      rootViewId: id,
      previousViewId: null,
    }),
    triggerId,
    openedBy: 'views.open',
    updates: 0,
  };
  state.saveView(stored);
  return ok({ view: stored.view });
};

/** Pushed onto the newest open modal; Slack allows that only from an interaction inside a modal. */
const push: MethodHandler = (args, { state, now }) => {
  const triggerId = stringArg(args, 'trigger_id') ?? stringArg(args, 'interactivity_pointer');
  if (triggerId === undefined) return invalidArguments(['missing required field: trigger_id']);
  const read = readView(args, 'modal');
  if ('refusal' in read) return read.refusal;
  const id = state.nextId('V');
  const previous = state.modals().at(-1);
  const rootViewId = typeof previous?.view.root_view_id === 'string' ? previous.view.root_view_id : id;
  const stored: EmulatedView = {
    id,
    type: 'modal',
    view: fillView(state, read.view, {
      id,
      hash: nextHash(state, now),
      rootViewId,
      previousViewId: previous?.id ?? null,
    }),
    triggerId,
    openedBy: 'views.push',
    updates: 0,
  };
  state.saveView(stored);
  return ok({ view: stored.view });
};

const update: MethodHandler = (args, { state, now }) => {
  const viewId = stringArg(args, 'view_id');
  const externalId = stringArg(args, 'external_id');
  if (viewId === undefined && externalId === undefined) {
    return invalidArguments(['missing required field: view_id or external_id']);
  }
  const existing = viewId !== undefined ? state.view(viewId) : state.viewByExternalId(externalId ?? '');
  if (existing === undefined) return refuse('not_found');
  return replaceView(state, existing, args, now);
};

/** One Home tab per user; publishing again replaces it and keeps its id. */
const publish: MethodHandler = (args, { state, now }) => {
  const userId = stringArg(args, 'user_id');
  if (userId === undefined) return invalidArguments(['missing required field: user_id']);
  if (state.user(userId) === undefined) return invalidArguments(['invalid `user_id`']);
  const existing = state.home(userId);
  if (existing !== undefined) return replaceView(state, existing, args, now);
  const read = readView(args, 'home');
  if ('refusal' in read) return read.refusal;
  const id = state.nextId('V');
  const stored: EmulatedView = {
    id,
    type: 'home',
    view: fillView(state, read.view, {
      id,
      hash: nextHash(state, now),
      rootViewId: id,
      previousViewId: null,
    }),
    userId,
    openedBy: 'views.publish',
    updates: 0,
  };
  state.saveView(stored);
  return ok({ view: stored.view });
};

export const viewsMethods: Record<string, MethodHandler> = {
  'views.open': open,
  'views.push': push,
  'views.update': update,
  'views.publish': publish,
};

/** `hash` guards against races: a stale hash answers `hash_conflict` and changes nothing. */
function replaceView(
  state: EmulatorState,
  existing: EmulatedView,
  args: CallArgs,
  now: () => number,
): SlackResponseBody {
  const hash = stringArg(args, 'hash');
  if (hash !== undefined && hash !== existing.view.hash) return refuse('hash_conflict');
  const read = readView(args, existing.type);
  if ('refusal' in read) return read.refusal;
  existing.view = fillView(state, read.view, {
    id: existing.id,
    hash: nextHash(state, now),
    rootViewId: String(existing.view.root_view_id),
    previousViewId: (existing.view.previous_view_id as string | null | undefined) ?? null,
  });
  existing.updates += 1;
  state.saveView(existing);
  return ok({ view: existing.view });
}

type ViewRead = { view: Record<string, unknown> } | { refusal: SlackResponseBody };

function readView(args: CallArgs, type: ViewType): ViewRead {
  const view = args.view;
  if (view === undefined) return { refusal: invalidArguments(['missing required field: view']) };
  if (typeof view !== 'object' || view === null || Array.isArray(view)) {
    return { refusal: invalidArguments(['invalid `view`']) };
  }
  const record = view as Record<string, unknown>;
  if (record.type !== type)
    return { refusal: invalidArguments([`must be ${type} [json-pointer:/view/type]`]) };
  const errors = validateView(record);
  return errors.length > 0 ? { refusal: invalidArguments(errors) } : { view: record };
}

interface ViewIds {
  id: string;
  hash: string;
  rootViewId: string;
  previousViewId: string | null;
}

/** The view as Slack answers it: what the app sent, plus the fields Slack fills in. */
function fillView(
  state: EmulatorState,
  view: Record<string, unknown>,
  ids: ViewIds,
): Record<string, unknown> {
  const { identity } = state;
  return {
    private_metadata: '',
    callback_id: '',
    external_id: '',
    close: null,
    submit: null,
    clear_on_close: false,
    notify_on_close: false,
    ...view,
    id: ids.id,
    team_id: identity.teamId,
    state: { values: {} },
    hash: ids.hash,
    root_view_id: ids.rootViewId,
    previous_view_id: ids.previousViewId,
    app_id: identity.appId,
    app_installed_team_id: identity.teamId,
    bot_id: identity.botId,
  };
}

/** Shaped like Slack's ('1569262015.55b5e41b'): seconds, a dot, a unique suffix. */
function nextHash(state: EmulatorState, now: () => number): string {
  return `${Math.floor(now() / 1000)}.${state.nextId('h')}`;
}
