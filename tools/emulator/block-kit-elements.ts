/**
 * Limits of Block Kit elements and composition objects.
 * https://docs.slack.dev/reference/block-kit/block-elements
 * https://docs.slack.dev/reference/block-kit/composition-objects
 */
import { checkArray, checkString, checkText, type Issues, isRecord, report } from './block-kit-checks.js';

type ElementCheck = (issues: Issues, element: Record<string, unknown>, path: string) => void;

const placeholderOnly: ElementCheck = (issues, element, path) => {
  checkText(issues, element.placeholder, `${path}/placeholder`, { max: 150, plainOnly: true });
};

const ELEMENTS: Record<string, ElementCheck> = {
  button: (issues, element, path) => {
    checkText(issues, element.text, `${path}/text`, { max: 75, plainOnly: true, required: true });
    checkString(issues, element.value, `${path}/value`, { max: 2000 });
    checkString(issues, element.url, `${path}/url`, { max: 3000 });
    checkString(issues, element.accessibility_label, `${path}/accessibility_label`, { max: 75 });
    if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
      report(issues, `${path}/style`, 'must be one of: primary, danger');
    }
  },
  static_select: checkSelect,
  multi_static_select: checkSelect,
  overflow: (issues, element, path) => {
    const options = checkArray(issues, element.options, `${path}/options`, {
      min: 1,
      max: 5,
      required: true,
    });
    for (const [i, option] of options.entries()) checkOption(issues, option, `${path}/options/${i}`, true);
  },
  checkboxes: checkChoices,
  radio_buttons: checkChoices,
  plain_text_input: (issues, element, path) => {
    placeholderOnly(issues, element, path);
    checkBound(issues, element.min_length, `${path}/min_length`, 3000);
    checkBound(issues, element.max_length, `${path}/max_length`, 3000);
  },
  number_input: (issues, element, path) => {
    placeholderOnly(issues, element, path);
    if (typeof element.is_decimal_allowed !== 'boolean') {
      report(issues, `${path}/is_decimal_allowed`, 'missing required field: is_decimal_allowed');
    }
  },
  image: (issues, element, path) => {
    checkString(issues, element.alt_text, `${path}/alt_text`, { max: 2000, required: true });
    checkString(issues, element.image_url, `${path}/image_url`, { max: 3000 });
  },
  email_text_input: placeholderOnly,
  url_text_input: placeholderOnly,
  rich_text_input: placeholderOnly,
  datepicker: placeholderOnly,
  timepicker: placeholderOnly,
  datetimepicker: () => {},
  external_select: placeholderOnly,
  multi_external_select: placeholderOnly,
  users_select: placeholderOnly,
  multi_users_select: placeholderOnly,
  conversations_select: placeholderOnly,
  multi_conversations_select: placeholderOnly,
  channels_select: placeholderOnly,
  multi_channels_select: placeholderOnly,
  file_input: () => {},
  workflow_button: (issues, element, path) => {
    checkText(issues, element.text, `${path}/text`, { max: 75, plainOnly: true, required: true });
  },
};

/** Validates any block element (in `accessory`, `actions.elements`, `input.element`, `context.elements`). */
export function checkElement(issues: Issues, element: unknown, path: string): void {
  if (!isRecord(element)) {
    report(issues, path, 'must be an object');
    return;
  }
  const check = typeof element.type === 'string' ? ELEMENTS[element.type] : undefined;
  if (check === undefined) {
    report(issues, `${path}/type`, `unsupported type: ${String(element.type)}`);
    return;
  }
  check(issues, element, path);
  if (element.type !== 'image') {
    checkString(issues, element.action_id, `${path}/action_id`, { max: 255 });
  }
  if (element.confirm !== undefined) checkConfirm(issues, element.confirm, `${path}/confirm`);
}

function checkSelect(issues: Issues, element: Record<string, unknown>, path: string): void {
  placeholderOnly(issues, element, path);
  if (element.options === undefined && element.option_groups === undefined) {
    report(issues, path, 'must provide either options or option_groups');
  }
  const options = checkArray(issues, element.options, `${path}/options`, { max: 100 });
  for (const [i, option] of options.entries()) checkOption(issues, option, `${path}/options/${i}`, true);
  const groups = checkArray(issues, element.option_groups, `${path}/option_groups`, { max: 100 });
  for (const [g, group] of groups.entries()) {
    const groupPath = `${path}/option_groups/${g}`;
    if (!isRecord(group)) {
      report(issues, groupPath, 'must be an object');
      continue;
    }
    checkText(issues, group.label, `${groupPath}/label`, { max: 75, plainOnly: true, required: true });
    const grouped = checkArray(issues, group.options, `${groupPath}/options`, { max: 100, required: true });
    for (const [i, option] of grouped.entries())
      checkOption(issues, option, `${groupPath}/options/${i}`, true);
  }
}

function checkChoices(issues: Issues, element: Record<string, unknown>, path: string): void {
  const options = checkArray(issues, element.options, `${path}/options`, { min: 1, max: 10, required: true });
  for (const [i, option] of options.entries()) checkOption(issues, option, `${path}/options/${i}`, false);
}

/**
 * Option object: text ≤ 75, value ≤ 150, description ≤ 75. Menus and overflow take only
 * `plain_text`; checkboxes and radio buttons also take `mrkdwn`.
 */
function checkOption(issues: Issues, option: unknown, path: string, plainOnly: boolean): void {
  if (!isRecord(option)) {
    report(issues, path, 'must be an object');
    return;
  }
  checkText(issues, option.text, `${path}/text`, { max: 75, plainOnly, required: true });
  checkString(issues, option.value, `${path}/value`, { max: 150 });
  checkText(issues, option.description, `${path}/description`, { max: 75, plainOnly });
  checkString(issues, option.url, `${path}/url`, { max: 3000 });
}

/** Confirmation dialog: title ≤ 100, text ≤ 300, confirm and deny ≤ 30. */
function checkConfirm(issues: Issues, confirm: unknown, path: string): void {
  if (!isRecord(confirm)) {
    report(issues, path, 'must be an object');
    return;
  }
  checkText(issues, confirm.title, `${path}/title`, { max: 100, plainOnly: true, required: true });
  checkText(issues, confirm.text, `${path}/text`, { max: 300, required: true });
  checkText(issues, confirm.confirm, `${path}/confirm`, { max: 30, plainOnly: true, required: true });
  checkText(issues, confirm.deny, `${path}/deny`, { max: 30, plainOnly: true, required: true });
}

function checkBound(issues: Issues, value: unknown, path: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    report(issues, path, `must be an integer between 0 and ${max}`);
  }
}
