/**
 * The interactions of slack-requests.ts, delivered over Socket Mode to pls started with
 * `startHarness({ socketMode: true })`: the same payloads, wrapped in envelopes on the emulator's
 * WebSocket. Each resolves with the ack's payload (`{}` for a bare ack) and rejects when pls does
 * not ack within Slack's 3 seconds.
 */
import type { Harness } from './harness.js';
import {
  appHomeOpenedCallback,
  buttonPayload,
  slashCommandFields,
  viewSubmissionPayload,
} from './slack-requests.js';

export function pressButtonOverSocket(
  pls: Harness,
  input: Parameters<typeof buttonPayload>[0],
): Promise<Record<string, unknown>> {
  return pls.emulator.socketMode.send('interactive', buttonPayload(input));
}

export function submitViewOverSocket(
  pls: Harness,
  input: Parameters<typeof viewSubmissionPayload>[0],
): Promise<Record<string, unknown>> {
  return pls.emulator.socketMode.send('interactive', viewSubmissionPayload(input));
}

/** `/pls <text>`: over Socket Mode the reply is the ack's payload, as it is the HTTP body otherwise. */
export async function slashCommandOverSocket(
  pls: Harness,
  user: string,
  text: string,
): Promise<{ text: string; body: Record<string, unknown> }> {
  const payload = Object.fromEntries(slashCommandFields(user, text));
  const body = await pls.emulator.socketMode.send('slash_commands', payload);
  return { text: String(body.text ?? ''), body };
}

export function openAppHomeOverSocket(pls: Harness, user: string): Promise<Record<string, unknown>> {
  return pls.emulator.socketMode.send('events_api', appHomeOpenedCallback(user));
}
