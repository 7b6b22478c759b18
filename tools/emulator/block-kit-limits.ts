/**
 * Block Kit limits as Slack enforces them, as pure functions: the emulator answers `invalid_blocks`
 * with these errors, and renderer unit tests can call them directly.
 *
 * Limits come from https://docs.slack.dev/reference/block-kit/blocks (one page per block) and
 * https://docs.slack.dev/reference/views/modal-views. Only documented limits are enforced; a
 * block that passes here can still be refused by Slack for reasons it does not document.
 */
import { checkArray, checkString, checkText, type Issues, isRecord, report } from './block-kit-checks.js';
import { checkElement } from './block-kit-elements.js';

export type Surface = 'message' | 'modal' | 'home';

/** "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs." */
const MAX_BLOCKS: Record<Surface, number> = { message: 50, modal: 100, home: 100 };

type BlockCheck = (issues: Issues, block: Record<string, unknown>, path: string) => void;

const noLimits: BlockCheck = () => {};

const BLOCKS: Record<string, BlockCheck> = {
  header: (issues, block, path) => {
    checkText(issues, block.text, `${path}/text`, { max: 150, plainOnly: true, required: true });
  },
  section: (issues, block, path) => {
    if (block.text === undefined && block.fields === undefined) {
      report(issues, path, 'must define either `text` or `fields`');
    }
    checkText(issues, block.text, `${path}/text`, { max: 3000 });
    const fields = checkArray(issues, block.fields, `${path}/fields`, { max: 10 });
    for (const [i, field] of fields.entries()) checkText(issues, field, `${path}/fields/${i}`, { max: 2000 });
    if (block.accessory !== undefined) checkElement(issues, block.accessory, `${path}/accessory`);
  },
  context: (issues, block, path) => {
    const elements = checkArray(issues, block.elements, `${path}/elements`, {
      min: 1,
      max: 10,
      required: true,
    });
    for (const [i, element] of elements.entries()) {
      const at = `${path}/elements/${i}`;
      // Context takes text objects and image elements only.
      if (isRecord(element) && element.type === 'image') checkElement(issues, element, at);
      else checkText(issues, element, at, { max: 3000 });
    }
  },
  actions: (issues, block, path) => {
    const elements = checkArray(issues, block.elements, `${path}/elements`, {
      min: 1,
      max: 25,
      required: true,
    });
    for (const [i, element] of elements.entries()) checkElement(issues, element, `${path}/elements/${i}`);
    checkUniqueActionIds(issues, elements, `${path}/elements`);
  },
  input: (issues, block, path) => {
    checkText(issues, block.label, `${path}/label`, { max: 2000, plainOnly: true, required: true });
    checkText(issues, block.hint, `${path}/hint`, { max: 2000, plainOnly: true });
    if (block.element === undefined) report(issues, `${path}/element`, 'missing required field: element');
    else checkElement(issues, block.element, `${path}/element`);
  },
  image: (issues, block, path) => {
    checkString(issues, block.alt_text, `${path}/alt_text`, { max: 2000, required: true });
    checkString(issues, block.image_url, `${path}/image_url`, { max: 3000 });
    checkText(issues, block.title, `${path}/title`, { max: 2000, plainOnly: true });
  },
  table: checkTable,
  markdown: (issues, block, path) => {
    // https://docs.slack.dev/reference/block-kit/blocks/markdown-block
    checkString(issues, block.text, `${path}/text`, { max: 12000, required: true });
  },
  // Known blocks whose limits pls does not rely on: accepted as they are.
  divider: noLimits,
  rich_text: noLimits,
  file: noLimits,
  video: noLimits,
  context_actions: noLimits,
  alert: noLimits,
  card: noLimits,
  carousel: noLimits,
  container: noLimits,
  call: noLimits,
};

/** Errors for a `blocks` array on a surface; empty when Slack would accept it. */
export function validateBlocks(blocks: unknown, surface: Surface): string[] {
  const issues: Issues = [];
  checkBlocks(issues, blocks, surface, '/blocks');
  return issues;
}

/** Errors for a modal or Home tab view object, with pointers under `/view` as Slack reports them. */
export function validateView(view: unknown): string[] {
  const issues: Issues = [];
  if (!isRecord(view)) {
    report(issues, '/view', 'must be an object');
    return issues;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    report(issues, '/view/type', 'must be one of: modal, home');
    return issues;
  }
  if (view.type === 'modal') {
    checkText(issues, view.title, '/view/title', { max: 24, plainOnly: true, required: true });
    checkText(issues, view.close, '/view/close', { max: 24, plainOnly: true });
    checkText(issues, view.submit, '/view/submit', { max: 24, plainOnly: true });
    // "submit is required when an input block is within the blocks array."
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) {
      report(issues, '/view/submit', 'missing required field: submit (the view has input blocks)');
    }
  }
  checkString(issues, view.private_metadata, '/view/private_metadata', { max: 3000 });
  checkString(issues, view.callback_id, '/view/callback_id', { max: 255 });
  checkString(issues, view.external_id, '/view/external_id', { max: 255 });
  if (view.blocks === undefined) report(issues, '/view/blocks', 'missing required field: blocks');
  else checkBlocks(issues, view.blocks, view.type, '/view/blocks');
  return issues;
}

/**
 * https://docs.slack.dev/reference/block-kit/blocks/table-block: `rows` is required, at most 100
 * rows of at most 20 cells, each cell `raw_text` (with a `text` string) or `rich_text`;
 * `column_settings` has at most 20 items of `align` (left, center, right) and `is_wrapped`
 * (boolean). Empty rows and ragged rows are refused here too: the page does not say Slack takes
 * them, and a table whose rows differ in length has no column to set.
 */
function checkTable(issues: Issues, block: Record<string, unknown>, path: string): void {
  const rows = checkArray(issues, block.rows, `${path}/rows`, { min: 1, max: 100, required: true });
  let width: number | null = null;
  for (const [r, row] of rows.entries()) {
    const cells = checkArray(issues, row, `${path}/rows/${r}`, { min: 1, max: 20, required: true });
    width ??= cells.length;
    if (cells.length !== width)
      report(issues, `${path}/rows/${r}`, `must have ${width} cells, like the first row`);
    for (const [c, cell] of cells.entries()) {
      const at = `${path}/rows/${r}/${c}`;
      if (!isRecord(cell)) report(issues, at, 'must be an object');
      else if (cell.type === 'raw_text')
        checkString(issues, cell.text, `${at}/text`, { max: 10_000, required: true });
      else if (cell.type !== 'rich_text') report(issues, `${at}/type`, 'must be raw_text or rich_text');
    }
  }
  const settings = checkArray(issues, block.column_settings, `${path}/column_settings`, { max: 20 });
  for (const [i, setting] of settings.entries()) {
    const at = `${path}/column_settings/${i}`;
    if (setting === null) continue; // "null" keeps a column's defaults
    if (!isRecord(setting)) report(issues, at, 'must be an object');
    else {
      if (setting.align !== undefined && !['left', 'center', 'right'].includes(setting.align as string))
        report(issues, `${at}/align`, 'must be one of: left, center, right');
      if (setting.is_wrapped !== undefined && typeof setting.is_wrapped !== 'boolean')
        report(issues, `${at}/is_wrapped`, 'must be a boolean');
    }
  }
}

function checkBlocks(issues: Issues, blocks: unknown, surface: Surface, path: string): void {
  const list = checkArray(issues, blocks, path, { max: MAX_BLOCKS[surface], required: true });
  // Tables are for messages, one a message (Slack answers `only_one_table_allowed`).
  const tables = list.flatMap((block, i) => (isRecord(block) && block.type === 'table' ? [i] : []));
  if (surface !== 'message')
    for (const i of tables) report(issues, `${path}/${i}/type`, `unsupported type on a ${surface}: table`);
  else for (const i of tables.slice(1)) report(issues, `${path}/${i}`, 'only_one_table_allowed');
  const seenBlockIds = new Set<string>();
  for (const [i, block] of list.entries()) {
    const at = `${path}/${i}`;
    if (!isRecord(block)) {
      report(issues, at, 'must be an object');
      continue;
    }
    const check = typeof block.type === 'string' ? BLOCKS[block.type] : undefined;
    if (check === undefined) {
      report(issues, `${at}/type`, `unsupported type: ${String(block.type)}`);
      continue;
    }
    check(issues, block, at);
    checkString(issues, block.block_id, `${at}/block_id`, { max: 255 });
    // "block_id should be unique for each message or view"; Slack refuses duplicates.
    if (typeof block.block_id === 'string') {
      if (seenBlockIds.has(block.block_id)) {
        report(issues, `${at}/block_id`, `duplicate block_id: ${block.block_id}`);
      }
      seenBlockIds.add(block.block_id);
    }
  }
}

/** "action_id ... should be unique among all other action_ids in the containing block." */
function checkUniqueActionIds(issues: Issues, elements: unknown[], path: string): void {
  const seen = new Set<string>();
  for (const [i, element] of elements.entries()) {
    if (!isRecord(element) || typeof element.action_id !== 'string') continue;
    if (seen.has(element.action_id)) {
      report(issues, `${path}/${i}/action_id`, `duplicate action_id within block: ${element.action_id}`);
    }
    seen.add(element.action_id);
  }
}
