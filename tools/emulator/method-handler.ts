/**
 * What a Web API method handler is, and the answers they share.
 * Slack answers almost every failure with HTTP 200 and `{ ok: false, error }`:
 * https://docs.slack.dev/apis/web-api/#evaluating-responses
 */
import type { EmulatorState } from './emulator-state.js';
import type { CallArgs, SlackResponseBody } from './emulator-types.js';

export interface MethodContext {
  state: EmulatorState;
  /** Epoch milliseconds. */
  now: () => number;
}

export type MethodHandler = (args: CallArgs, context: MethodContext) => SlackResponseBody;

export function ok(fields: Record<string, unknown> = {}): SlackResponseBody {
  return { ok: true, ...fields };
}

export function refuse(error: string, fields: Record<string, unknown> = {}): SlackResponseBody {
  return { ok: false, error, ...fields };
}

/**
 * `invalid_arguments` carries its reasons in `response_metadata.messages`, each prefixed `[ERROR]`
 * (WebClient logs those lines). Shape from the views.push reference example.
 */
export function invalidArguments(reasons: string[]): SlackResponseBody {
  return refuse('invalid_arguments', { response_metadata: { messages: reasons.map((r) => `[ERROR] ${r}`) } });
}

/** Block Kit failures list the reasons twice: bare in `errors`, prefixed in `response_metadata.messages`. */
export function invalidBlocks(errors: string[]): SlackResponseBody {
  return refuse('invalid_blocks', {
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  });
}

/** A non-empty string argument, or undefined. Form bodies carry every scalar as a string. */
export function stringArg(args: CallArgs, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Form bodies send booleans as "true"/"false"; JSON bodies send real booleans. */
export function booleanArg(args: CallArgs, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1';
}
