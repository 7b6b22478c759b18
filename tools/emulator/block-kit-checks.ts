/**
 * Primitive Block Kit checks shared by the block and element validators.
 *
 * Messages mimic what Slack answers in `invalid_blocks.errors`, a rule followed by the JSON pointer
 * of the offending field, e.g. `must be less than 3001 characters [json-pointer:/blocks/1/text/text]`
 * and `no more than 25 items allowed [json-pointer:/blocks/1/elements]` (both seen in real responses,
 * e.g. https://github.com/metabase/metabase/issues/74943 and
 * https://github.com/adobe/spacecat-api-service/issues/176).
 */

export type Issues = string[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function report(issues: Issues, path: string, rule: string): void {
  issues.push(`${rule} [json-pointer:${path}]`);
}

/**
 * Slack does not document whether it counts code points or UTF-16 units; UTF-16 units (`length`)
 * is the stricter reading (an emoji counts two), so text that passes here passes there.
 */
function lengthOf(text: string): number {
  return text.length;
}

interface StringRule {
  max: number;
  required?: boolean;
}

/** A plain string field such as `value`, `action_id`, `block_id` or `private_metadata`. */
export function checkString(issues: Issues, value: unknown, path: string, rule: StringRule): void {
  if (value === undefined) {
    if (rule.required) report(issues, path, `missing required field: ${lastSegment(path)}`);
    return;
  }
  if (typeof value !== 'string') {
    report(issues, path, 'must be a string');
    return;
  }
  if (lengthOf(value) > rule.max) report(issues, path, `must be less than ${rule.max + 1} characters`);
}

interface TextRule {
  max: number;
  required?: boolean;
  /** Fields such as header text, labels, titles and button text only take `plain_text`. */
  plainOnly?: boolean;
}

/**
 * A text composition object; its `text` is 1..3000 characters unless the field says less.
 * https://docs.slack.dev/reference/block-kit/composition-objects/text-object
 */
export function checkText(issues: Issues, value: unknown, path: string, rule: TextRule): void {
  if (value === undefined) {
    if (rule.required) report(issues, path, `missing required field: ${lastSegment(path)}`);
    return;
  }
  if (!isRecord(value)) {
    report(issues, path, 'must be a text object');
    return;
  }
  if (rule.plainOnly && value.type !== 'plain_text') {
    report(issues, `${path}/type`, 'must be plain_text');
  } else if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
    report(issues, `${path}/type`, 'must be plain_text or mrkdwn');
  }
  if (typeof value.text !== 'string') {
    report(issues, `${path}/text`, 'missing required field: text');
    return;
  }
  if (value.text.length === 0) report(issues, `${path}/text`, 'must be more than 0 characters');
  const max = Math.min(rule.max, 3000);
  if (lengthOf(value.text) > max) report(issues, `${path}/text`, `must be less than ${max + 1} characters`);
}

interface ArrayRule {
  max: number;
  min?: number;
  required?: boolean;
}

/** Checks an array's size and returns its items (empty when it is missing or not an array). */
export function checkArray(issues: Issues, value: unknown, path: string, rule: ArrayRule): unknown[] {
  if (value === undefined) {
    if (rule.required) report(issues, path, `missing required field: ${lastSegment(path)}`);
    return [];
  }
  if (!Array.isArray(value)) {
    report(issues, path, 'must be an array');
    return [];
  }
  if (value.length > rule.max) report(issues, path, `no more than ${rule.max} items allowed`);
  const min = rule.min ?? 0;
  if (value.length < min) report(issues, path, `must provide at least ${min} items`);
  return value;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
