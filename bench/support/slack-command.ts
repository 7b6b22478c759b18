import { createHmac } from 'node:crypto';
import { type Connection, encodeRequest, type Target } from '../load/http-client.js';

/**
 * `/pls <text>` as Slack sends it (the form fields of test/fixtures/captured/slash-command.txt),
 * signed with the v0 scheme (https://api.slack.com/authentication/verifying-requests-from-slack).
 */
const TEMPLATE =
  'token=EXAMPLEverificationToken0&team_id=T0EXAMPLE&team_domain=example&channel_id=C0EXAMPLE&channel_name=pls-alerts&user_id=U0EXAMPLE&user_name=kim.lee&command=%2Fpls&text=queue+unclaimed&api_app_id=A0EXAMPLE&is_enterprise_install=false&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0EXAMPLE%2F1795366560000%2FEXAMPLEcommandResponseUrl&trigger_id=1795366560123.1234567890.0123456789abcdef0123456789abcdef';

export function slashCommandRequest(
  target: Target,
  secret: string,
  user: string,
  text: string,
  at = Date.now(),
): Buffer {
  const form = new URLSearchParams(TEMPLATE);
  form.set('user_id', user);
  form.set('text', text);
  const raw = form.toString();
  const ts = String(Math.floor(at / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return encodeRequest(
    target,
    'POST',
    '/slack/events',
    {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature,
    },
    raw,
  );
}

/** Sends one command on a keep-alive connection; the ack's body is the ephemeral reply. */
export async function timeCommand(
  connection: Connection,
  request: Buffer,
): Promise<{ ms: number; status: number; reply: { text?: string; blocks?: unknown[] } }> {
  const t0 = performance.now();
  const response = await connection.send(request);
  const ms = performance.now() - t0;
  const body =
    response.body.length > 0
      ? (JSON.parse(response.body.toString()) as { text?: string; blocks?: unknown[] })
      : {};
  return { ms, status: response.status, reply: body };
}
