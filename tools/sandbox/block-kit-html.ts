import { dataJson, type HtmlValue, html, type SafeHtml } from './html.js';
import { type Names, renderMrkdwn, renderPlainText } from './mrkdwn-html.js';

/**
 * Block Kit as HTML for the sandbox page: the blocks pls sends (header, section with text,
 * fields and an accessory, context, actions with buttons, divider) and the modal inputs it asks
 * for (static_select, plain_text_input, number_input), roughly as Slack draws them.
 * https://docs.slack.dev/reference/block-kit/blocks
 *
 * Blocks are untrusted JSON: every field is read defensively and every string escaped.
 */

/** Where a button sits, so a press can be sent to pls as Slack would send it. */
export type PressContainer =
  | { type: 'message'; channel: string; ts: string }
  | { type: 'ephemeral'; id: string }
  | { type: 'view'; viewId: string };

/** What the page posts back when a button is pressed: the element as it was drawn. */
export interface PressedAction {
  type: 'button';
  block_id: string;
  action_id: string;
  text: string;
  value?: string;
  style?: string;
}

export interface RenderContext {
  names: Names;
  /** Null draws buttons that cannot be pressed. */
  container: PressContainer | null;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Slack fills in a `block_id` the app left out; a stable one per position does the same job
 * (the value is echoed back in the press, nothing more).
 */
const blockIdOf = (block: Json, index: number) => str(block.block_id) ?? `sandbox-${index}`;

export function renderBlocks(blocks: unknown[], ctx: RenderContext): SafeHtml {
  return html`${blocks.map((block, index) => renderBlock(block, index, ctx))}`;
}

function renderBlock(block: unknown, index: number, ctx: RenderContext): SafeHtml {
  if (!isObject(block)) return html``;
  const blockId = blockIdOf(block, index);
  switch (block.type) {
    case 'header':
      return html`<div class="bk-header">${renderText(block.text, ctx)}</div>`;
    case 'section': {
      const fields = list(block.fields);
      const accessory = isObject(block.accessory) ? renderElement(block.accessory, blockId, ctx) : null;
      return html`<div class="bk-section${accessory ? ' has-accessory' : ''}">
        <div class="bk-section-body">
          ${block.text === undefined ? '' : html`<div class="bk-text">${renderText(block.text, ctx)}</div>`}
          ${fields.length > 0 ? html`<div class="bk-fields">${fields.map((f) => html`<div class="bk-field">${renderText(f, ctx)}</div>`)}</div>` : ''}
        </div>
        ${accessory ? html`<div class="bk-accessory">${accessory}</div>` : ''}
      </div>`;
    }
    case 'context':
      return html`<div class="bk-context">${list(block.elements).map((element) =>
        isObject(element) && element.type === 'image'
          ? html`<span class="bk-image-alt">[${str(element.alt_text) ?? 'image'}]</span>`
          : html`<span>${renderText(element, ctx)}</span>`,
      )}</div>`;
    case 'actions':
      return html`<div class="bk-actions">${list(block.elements).map((element) =>
        isObject(element) ? renderElement(element, blockId, ctx) : '',
      )}</div>`;
    case 'divider':
      return html`<hr class="bk-divider">`;
    case 'image':
      return html`<div class="bk-image-alt">[image: ${str(block.alt_text) ?? ''}]</div>`;
    case 'rich_text':
      return html`<div class="bk-text">${renderPlainText(richText(block))}</div>`;
    case 'table':
      return renderTable(block, ctx);
    case 'input':
      return renderInput(block, blockId, ctx);
    default:
      return html`<div class="bk-unsupported">[${String(block.type)} block: not drawn by the sandbox]</div>`;
  }
}

/**
 * A table block: the first row as the header, `column_settings[i].align` per column; a rich-text
 * cell's user mentions drawn as names. Wide tables scroll inside their box, as in Slack.
 * https://docs.slack.dev/reference/block-kit/blocks/table-block
 */
function renderTable(block: Json, ctx: RenderContext): SafeHtml {
  const settings = list(block.column_settings);
  const align = (i: number) => {
    const setting = settings[i];
    const value = isObject(setting) ? str(setting.align) : undefined;
    return value === 'center' || value === 'right' ? value : 'left';
  };
  const cell = (value: unknown, i: number, tag: 'th' | 'td') => {
    const content = !isObject(value)
      ? html``
      : value.type === 'raw_text'
        ? renderPlainText(str(value.text) ?? '')
        : richCell(value, ctx);
    // Classes, not inline styles: the page's Content-Security-Policy allows styles from its sheet only.
    return tag === 'th'
      ? html`<th class="align-${align(i)}">${content}</th>`
      : html`<td class="align-${align(i)}">${content}</td>`;
  };
  const [header, ...rows] = list(block.rows).map(list);
  return html`<div class="bk-table-wrap"><table class="bk-table">
    ${header ? html`<thead><tr>${header.map((c, i) => cell(c, i, 'th'))}</tr></thead>` : ''}
    <tbody>${rows.map((row) => html`<tr>${row.map((c, i) => cell(c, i, 'td'))}</tr>`)}</tbody>
  </table></div>`;
}

/** A rich-text cell: user mentions as names (as mrkdwn draws `<@U…>`), the rest as plain text. */
function richCell(node: Json, ctx: RenderContext): SafeHtml {
  const parts: SafeHtml[] = [];
  const walk = (n: unknown) => {
    if (!isObject(n)) return;
    if (n.type === 'user') parts.push(renderMrkdwn(`<@${str(n.user_id) ?? ''}>`, ctx.names));
    else if (typeof n.text === 'string') parts.push(renderPlainText(n.text));
    else for (const child of list(n.elements)) walk(child);
  };
  walk(node);
  return html`${parts}`;
}

/** A text object: `mrkdwn` is formatted, `plain_text` is shown as typed. */
export function renderText(text: unknown, ctx: RenderContext): SafeHtml {
  if (!isObject(text)) return html``;
  const value = str(text.text) ?? '';
  return text.type === 'mrkdwn' ? renderMrkdwn(value, ctx.names) : renderPlainText(value);
}

const plainOf = (text: unknown): string => (isObject(text) ? (str(text.text) ?? '') : '');

function renderElement(element: Json, blockId: string, ctx: RenderContext): SafeHtml {
  if (element.type === 'button') return renderButton(element, blockId, ctx);
  if (element.type === 'image')
    return html`<span class="bk-image-alt">[${str(element.alt_text) ?? 'image'}]</span>`;
  return html`<span class="bk-unsupported">[${String(element.type)}: not drawn by the sandbox]</span>`;
}

function renderButton(element: Json, blockId: string, ctx: RenderContext): SafeHtml {
  const label = plainOf(element.text);
  const style = str(element.style);
  const className = `bk-button${style === 'primary' || style === 'danger' ? ` ${style}` : ''}`;
  const url = str(element.url);
  if (url && /^https?:/i.test(url)) {
    return html`<a class="${className}" href="${url}" target="_blank" rel="noopener noreferrer">${label}</a>`;
  }
  if (ctx.container === null)
    return html`<button type="button" class="${className}" disabled>${label}</button>`;
  const action: PressedAction = {
    type: 'button',
    block_id: blockId,
    action_id: str(element.action_id) ?? '',
    text: label,
    ...(str(element.value) === undefined ? {} : { value: str(element.value) }),
    ...(style ? { style } : {}),
  };
  const confirm = isObject(element.confirm) ? plainOf(element.confirm.text) || 'Are you sure?' : null;
  return html`<button type="button" class="${className}" data-press="${dataJson({ container: ctx.container, action })}"${
    confirm ? html` data-confirm="${confirm}"` : ''
  }>${label}</button>`;
}

// ─── Modals ────────────────────────────────────────────────────────────────────────────

function renderInput(block: Json, blockId: string, ctx: RenderContext): SafeHtml {
  const element = isObject(block.element) ? block.element : {};
  const optional = block.optional === true;
  const hint =
    block.hint === undefined ? '' : html`<div class="bk-hint">${renderText(block.hint, ctx)}</div>`;
  return html`<div class="bk-input" data-block="${blockId}">
    <label class="bk-label">${plainOf(block.label)}${optional ? html` <span class="optional">(optional)</span>` : ''}
      ${renderInputElement(element, blockId, optional)}
    </label>
    ${hint}
    <div class="bk-error" data-error-for="${blockId}" hidden></div>
  </div>`;
}

function renderInputElement(element: Json, blockId: string, optional: boolean): SafeHtml {
  const actionId = str(element.action_id) ?? '';
  const common = html`data-block="${blockId}" data-action="${actionId}" data-type="${String(element.type)}"${
    optional ? '' : html` data-required="true"`
  }`;
  const placeholder = plainOf(element.placeholder);
  switch (element.type) {
    case 'plain_text_input': {
      const max = typeof element.max_length === 'number' ? html` maxlength="${element.max_length}"` : '';
      const initial = str(element.initial_value) ?? '';
      return element.multiline === true
        ? html`<textarea ${common} rows="3" placeholder="${placeholder}"${max}>${initial}</textarea>`
        : html`<input type="text" ${common} placeholder="${placeholder}" value="${initial}"${max}>`;
    }
    case 'email_text_input':
    case 'url_text_input': {
      const type = element.type === 'email_text_input' ? 'email' : 'url';
      return html`<input type="${type}" ${common} placeholder="${placeholder}" value="${str(element.initial_value) ?? ''}">`;
    }
    case 'number_input': {
      const attrs: HtmlValue[] = [];
      if (str(element.min_value) !== undefined) attrs.push(html` min="${str(element.min_value)}"`);
      if (str(element.max_value) !== undefined) attrs.push(html` max="${str(element.max_value)}"`);
      const step = element.is_decimal_allowed === true ? 'any' : '1';
      return html`<input type="number" step="${step}" ${common} placeholder="${placeholder}" value="${str(element.initial_value) ?? ''}"${attrs}>`;
    }
    case 'static_select': {
      const initial = isObject(element.initial_option) ? str(element.initial_option.value) : undefined;
      const option = (o: unknown) =>
        isObject(o)
          ? html`<option value="${str(o.value) ?? ''}"${str(o.value) === initial ? ' selected' : ''}>${plainOf(o.text)}</option>`
          : '';
      const groups = list(element.option_groups).map((g) =>
        isObject(g)
          ? html`<optgroup label="${plainOf(g.label)}">${list(g.options).map(option)}</optgroup>`
          : '',
      );
      return html`<select ${common}><option value="">${placeholder || 'Choose…'}</option>${list(element.options).map(option)}${groups}</select>`;
    }
    default:
      return html`<span class="bk-unsupported">[${String(element.type)}: not filled by the sandbox]</span>`;
  }
}

/** A modal as a form; `data-view-id` names it when it is submitted or closed. */
export function renderModal(view: Json, viewId: string, ctx: RenderContext): SafeHtml {
  const submit = plainOf(view.submit);
  const close = plainOf(view.close) || 'Cancel';
  return html`<form class="modal" data-view-id="${viewId}" novalidate>
    <header class="modal-title">${plainOf(view.title)}<button type="button" class="modal-x" data-close-view="${viewId}" aria-label="Close">×</button></header>
    <div class="modal-body">
      <div class="bk-error modal-error" data-error-for="" hidden></div>
      ${renderBlocks(list(view.blocks), { ...ctx, container: { type: 'view', viewId } })}
    </div>
    <footer class="modal-footer">
      <button type="button" class="bk-button" data-close-view="${viewId}">${close}</button>
      ${submit ? html`<button type="submit" class="bk-button primary">${submit}</button>` : ''}
    </footer>
  </form>`;
}

/** The text of a rich_text block, without its styling. */
function richText(node: unknown): string {
  if (!isObject(node)) return '';
  if (typeof node.text === 'string') return node.text;
  if (node.type === 'user') return `@${str(node.user_id) ?? ''}`;
  if (node.type === 'link') return str(node.text) ?? str(node.url) ?? '';
  return list(node.elements)
    .map(richText)
    .join(node.type === 'rich_text_list' ? '\n' : '');
}
