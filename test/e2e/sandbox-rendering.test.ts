import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderBlocks, renderModal } from '../../tools/sandbox/block-kit-html.js';
import { html } from '../../tools/sandbox/html.js';
import { renderMrkdwn } from '../../tools/sandbox/mrkdwn-html.js';

/**
 * The page draws text that anyone able to send an event controls (account names, user titles,
 * properties), so the Block Kit → HTML rendering is tested for escaping first, formatting second.
 */
const names = {
  user: (id: string) => ({ U0ANA: 'Ana' })[id],
  channel: (id: string) => ({ C0MIDMARKET: 'pls-mid-market' })[id],
};
const mrkdwn = (text: string) => renderMrkdwn(text, names).value;
const ctx = { names, container: { type: 'message' as const, channel: 'C0MIDMARKET', ts: '1.000001' } };

describe('mrkdwn as HTML', () => {
  it('formats bold, italic, strike, code, quotes and line breaks', () => {
    expect(mrkdwn('*Why now:* _soon_ ~never~ `/pls ooo off`')).toBe(
      '<strong>Why now:</strong> <em>soon</em> <del>never</del> <code>/pls ooo off</code>',
    );
    expect(mrkdwn('a\n>quoted\n>more\nb')).toBe('a<br><blockquote>quoted<br>more</blockquote>b');
    expect(mrkdwn('```x *y*```')).toBe('<pre>x *y*</pre>');
  });

  it('leaves snake_case and arithmetic alone', () => {
    expect(mrkdwn('usage_limit_hit at 2*3*4')).toBe('usage_limit_hit at 2*3*4');
  });

  it('names mentions and channels, and links only http(s) and mailto', () => {
    expect(mrkdwn('<@U0ANA> in <#C0MIDMARKET>')).toBe(
      '<span class="mention" title="U0ANA">@Ana</span> in <span class="mention" title="C0MIDMARKET">#pls-mid-market</span>',
    );
    expect(mrkdwn('<!here>')).toBe('<span class="mention">@here</span>');
    expect(mrkdwn('<https://acme.com/?a=1&amp;b=2|Acme>')).toBe(
      '<a href="https://acme.com/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">Acme</a>',
    );
    expect(mrkdwn('<javascript:alert(1)|click>')).toBe('&lt;javascript:alert(1)|click&gt;');
  });

  it('draws Slack’s date tokens in the reader’s zone, else their fallback', () => {
    const at = Date.parse('2031-03-04T15:12:00Z') / 1000;
    const token = `claim by <!date^${at}^{date_short_pretty} {time}|Mar 4 15:12 UTC>`;
    expect(mrkdwn(token)).toBe('claim by Mar 4 15:12 UTC');
    expect(renderMrkdwn(token, { ...names, zone: 'America/New_York' }).value).toBe('claim by Mar 4 10:12');
    expect(renderMrkdwn(token, { ...names, zone: 'Europe/London' }).value).toBe('claim by Mar 4 15:12');
  });

  it('shows Slack’s entities as the characters they stand for, never as markup', () => {
    expect(mrkdwn('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co')).toBe(
      'Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co',
    );
    expect(mrkdwn('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(mrkdwn('"quoted" \'too\'')).toBe('&quot;quoted&quot; &#39;too&#39;');
    expect(mrkdwn('\uE0000\uE001 stays text')).toBe('0 stays text');
  });
});

describe('Block Kit as HTML', () => {
  it('escapes plain text and button labels, and carries the press as an escaped attribute', () => {
    const out = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: '<b>HOT</b> · "Acme"' } },
        {
          type: 'actions',
          block_id: 'alert_actions',
          elements: [
            {
              type: 'button',
              action_id: 'claim',
              text: { type: 'plain_text', text: 'Claim <now>' },
              value: 'al_1"><script>',
              style: 'primary',
            },
          ],
        },
      ],
      ctx,
    ).value;
    expect(out).toContain('&lt;b&gt;HOT&lt;/b&gt; · &quot;Acme&quot;');
    expect(out).toContain('>Claim &lt;now&gt;</button>');
    expect(out).not.toContain('<script>');
    expect(out).toContain('class="bk-button primary"');
    const press = /data-press="([^"]*)"/
      .exec(out)![1]!
      .replaceAll('&quot;', '"')
      .replaceAll('&gt;', '>')
      .replaceAll('&lt;', '<');
    expect(JSON.parse(press)).toEqual({
      container: ctx.container,
      action: {
        type: 'button',
        block_id: 'alert_actions',
        action_id: 'claim',
        text: 'Claim <now>',
        value: 'al_1"><script>',
        style: 'primary',
      },
    });
  });

  it('draws section fields and accessories, context and dividers, and says what it cannot draw', () => {
    const out = renderBlocks(
      [
        {
          type: 'section',
          fields: [{ type: 'mrkdwn', text: '*Plan*\nfree' }],
          accessory: {
            type: 'button',
            action_id: 'claim',
            text: { type: 'plain_text', text: 'Claim' },
            value: 'x',
          },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Suggested rep: <@U0ANA>' }] },
        { type: 'divider' },
        { type: 'video', title: { type: 'plain_text', text: 'v' } },
      ],
      ctx,
    ).value;
    expect(out).toContain('<div class="bk-field"><strong>Plan</strong><br>free</div>');
    expect(out).toContain('<div class="bk-accessory"><button');
    expect(out).toContain('@Ana');
    expect(out).toContain('<hr class="bk-divider">');
    expect(out).toContain('[video block: not drawn by the sandbox]');
  });

  it('draws a table block with its header, alignment and mentions, escaped', () => {
    const out = renderBlocks(
      [
        {
          type: 'table',
          column_settings: [null, { align: 'right' }],
          rows: [
            [
              { type: 'raw_text', text: 'Rep' },
              { type: 'raw_text', text: 'Held <b>' },
            ],
            [
              {
                type: 'rich_text',
                elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: 'U0ANA' }] }],
              },
              { type: 'raw_text', text: '3' },
            ],
          ],
        },
      ],
      ctx,
    ).value;
    expect(out).toContain('<th class="align-left">Rep</th>');
    expect(out).toContain('<th class="align-right">Held &lt;b&gt;</th>');
    expect(out).toContain('@Ana');
    expect(out).toContain('<td class="align-right">3</td>');
    expect(out).not.toContain('style='); // the page's CSP refuses inline styles
  });

  it('draws a modal’s inputs, marking the required ones', () => {
    const out = renderModal(
      {
        title: { type: 'plain_text', text: 'Log outcome' },
        submit: { type: 'plain_text', text: 'Save' },
        blocks: [
          {
            type: 'input',
            block_id: 'outcome',
            label: { type: 'plain_text', text: 'Outcome' },
            element: {
              type: 'static_select',
              action_id: 'outcome_select',
              options: [{ text: { type: 'plain_text', text: 'Won' }, value: 'won' }],
            },
          },
          {
            type: 'input',
            block_id: 'amount',
            optional: true,
            label: { type: 'plain_text', text: 'Amount' },
            element: {
              type: 'number_input',
              action_id: 'amount_input',
              is_decimal_allowed: true,
              min_value: '0',
            },
          },
        ],
      },
      'V00000001',
      { names, container: null },
    ).value;
    expect(out).toContain('<form class="modal" data-view-id="V00000001" novalidate>');
    expect(out).toMatch(
      /<select data-block="outcome" data-action="outcome_select" data-type="static_select" data-required="true">/,
    );
    expect(out).toContain('<option value="won">Won</option>');
    expect(out).toMatch(
      /<input type="number" step="any" data-block="amount" data-action="amount_input"[^>]* min="0">/,
    );
    expect(out).toContain('(optional)');
    expect(out).toContain('<button type="submit" class="bk-button primary">Save</button>');
  });

  it('escapes every interpolation of the html tag unless it is already safe', () => {
    expect(html`<p title="${'"x"'}">${'<i>'}${html`<b>ok</b>`}${['<', html`&amp;`]}</p>`.value).toBe(
      '<p title="&quot;x&quot;">&lt;i&gt;<b>ok</b>&lt;&amp;</p>',
    );
  });
});

describe('the page script', () => {
  it('type-checks as strict JavaScript against the DOM (it has no build step to catch mistakes)', () => {
    const root = resolve(import.meta.dirname, '../..');
    const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
    const args = ['--ignoreConfig', '--noEmit', '--allowJs', '--checkJs', '--strict', '--target', 'es2022'];
    args.push('--lib', 'es2022,dom,dom.iterable', '--types', '', 'tools/sandbox/public/app.js');
    // Throws with tsc's diagnostics on its output when the script does not check.
    expect(() => execFileSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });
});
