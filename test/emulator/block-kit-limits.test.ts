import { describe, expect, it } from 'vitest';
import { validateBlocks, validateView } from '../../tools/emulator/block-kit-limits.js';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const button = (actionId: string, text = 'Claim', extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: actionId,
  text: plain(text),
  ...extra,
});
const many = <T>(count: number, make: (i: number) => T): T[] =>
  Array.from({ length: count }, (_, i) => make(i));

describe('validateBlocks', () => {
  it('accepts a typical alert message', () => {
    const alert = [
      { type: 'header', text: plain('🔥 Hot · Acme Corp · 87 (+12)') },
      {
        type: 'section',
        text: mrkdwn('*Why now*: hit the API calls limit'),
        fields: many(10, (i) => mrkdwn(`f${i}`)),
      },
      {
        type: 'context',
        elements: [mrkdwn('claim by 10:19'), { type: 'image', image_url: 'https://x/y.png', alt_text: 'a' }],
      },
      { type: 'divider' },
      {
        type: 'actions',
        block_id: 'alert_actions',
        elements: [
          button('claim', 'Claim', { style: 'primary', value: 'alert_1' }),
          button('not_a_fit', 'Not a fit'),
        ],
      },
    ];
    expect(validateBlocks(alert, 'message')).toEqual([]);
  });

  it.each([
    ['message', 50],
    ['modal', 100],
    ['home', 100],
  ] as const)('allows %s surfaces %i blocks and no more', (surface, max) => {
    expect(
      validateBlocks(
        many(max, () => ({ type: 'divider' })),
        surface,
      ),
    ).toEqual([]);
    expect(
      validateBlocks(
        many(max + 1, () => ({ type: 'divider' })),
        surface,
      ),
    ).toEqual([`no more than ${max} items allowed [json-pointer:/blocks]`]);
  });

  it('wants an array', () => {
    expect(validateBlocks({ type: 'divider' }, 'message')).toEqual([
      'must be an array [json-pointer:/blocks]',
    ]);
  });

  it.each([
    [
      'header text over 150',
      { type: 'header', text: plain('h'.repeat(151)) },
      '/blocks/0/text/text',
      'must be less than 151 characters',
    ],
    ['mrkdwn header', { type: 'header', text: mrkdwn('h') }, '/blocks/0/text/type', 'must be plain_text'],
    [
      'section text over 3000',
      section('s'.repeat(3001)),
      '/blocks/0/text/text',
      'must be less than 3001 characters',
    ],
    ['empty text', section(''), '/blocks/0/text/text', 'must be more than 0 characters'],
    [
      'section without text or fields',
      { type: 'section' },
      '/blocks/0',
      'must define either `text` or `fields`',
    ],
    [
      '11 fields',
      { type: 'section', fields: many(11, () => mrkdwn('f')) },
      '/blocks/0/fields',
      'no more than 10 items allowed',
    ],
    [
      'a field over 2000',
      { type: 'section', fields: [mrkdwn('f'.repeat(2001))] },
      '/blocks/0/fields/0/text',
      'must be less than 2001 characters',
    ],
    [
      '11 context elements',
      { type: 'context', elements: many(11, () => mrkdwn('c')) },
      '/blocks/0/elements',
      'no more than 10 items allowed',
    ],
    [
      '26 actions',
      { type: 'actions', elements: many(26, (i) => button(`b${i}`)) },
      '/blocks/0/elements',
      'no more than 25 items allowed',
    ],
    [
      'button text over 75',
      { type: 'actions', elements: [button('b', 'x'.repeat(76))] },
      '/blocks/0/elements/0/text/text',
      'must be less than 76 characters',
    ],
    [
      'button value over 2000',
      { type: 'actions', elements: [button('b', 'B', { value: 'v'.repeat(2001) })] },
      '/blocks/0/elements/0/value',
      'must be less than 2001 characters',
    ],
    [
      'action_id over 255',
      { type: 'actions', elements: [button('a'.repeat(256))] },
      '/blocks/0/elements/0/action_id',
      'must be less than 256 characters',
    ],
    [
      'block_id over 255',
      { type: 'divider', block_id: 'b'.repeat(256) },
      '/blocks/0/block_id',
      'must be less than 256 characters',
    ],
    [
      'input label over 2000',
      {
        type: 'input',
        label: plain('l'.repeat(2001)),
        element: { type: 'plain_text_input', action_id: 'n' },
      },
      '/blocks/0/label/text',
      'must be less than 2001 characters',
    ],
    [
      'placeholder over 150',
      {
        type: 'input',
        label: plain('Note'),
        element: { type: 'plain_text_input', placeholder: plain('p'.repeat(151)) },
      },
      '/blocks/0/element/placeholder/text',
      'must be less than 151 characters',
    ],
    [
      'option value over 150',
      {
        type: 'section',
        text: mrkdwn('x'),
        accessory: { type: 'static_select', options: [{ text: plain('o'), value: 'v'.repeat(151) }] },
      },
      '/blocks/0/accessory/options/0/value',
      'must be less than 151 characters',
    ],
    [
      '6 overflow options',
      {
        type: 'section',
        text: mrkdwn('x'),
        accessory: { type: 'overflow', options: many(6, (i) => ({ text: plain('o'), value: `${i}` })) },
      },
      '/blocks/0/accessory/options',
      'no more than 5 items allowed',
    ],
    [
      'number input without is_decimal_allowed',
      { type: 'input', label: plain('Amount'), element: { type: 'number_input' } },
      '/blocks/0/element/is_decimal_allowed',
      'missing required field: is_decimal_allowed',
    ],
    [
      'an unknown block',
      { type: 'sectoin', text: mrkdwn('x') },
      '/blocks/0/type',
      'unsupported type: sectoin',
    ],
    [
      'an unknown element',
      { type: 'actions', elements: [{ type: 'buton', text: plain('x') }] },
      '/blocks/0/elements/0/type',
      'unsupported type: buton',
    ],
  ])('reports %s', (_name, block, pointer, rule) => {
    expect(validateBlocks([block], 'message')).toEqual([`${rule} [json-pointer:${pointer}]`]);
  });

  it('wants block_ids unique in the message, action_ids unique within a block', () => {
    const blocks = [
      { type: 'actions', block_id: 'row', elements: [button('claim'), button('claim')] },
      { type: 'actions', block_id: 'row', elements: [button('claim')] },
    ];
    expect(validateBlocks(blocks, 'message')).toEqual([
      'duplicate action_id within block: claim [json-pointer:/blocks/0/elements/1/action_id]',
      'duplicate block_id: row [json-pointer:/blocks/1/block_id]',
    ]);
  });

  it('checks table blocks as Slack documents them: one a message, ≤ 100 rows of ≤ 20 cells', () => {
    const raw = (text: string) => ({ type: 'raw_text', text });
    const user = {
      type: 'rich_text',
      elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: 'U0ANA' }] }],
    };
    const table = (rows: unknown[][], extra: Record<string, unknown> = {}) => ({
      type: 'table',
      rows,
      ...extra,
    });
    const ok = table(
      [
        [raw('Rep'), raw('Held')],
        [user, raw('3')],
      ],
      { column_settings: [{ is_wrapped: true }, { align: 'right' }] },
    );
    expect(validateBlocks([ok], 'message')).toEqual([]);
    expect(
      validateBlocks(
        many(1, () => table(many(100, () => many(20, () => raw('x'))))),
        'message',
      ),
    ).toEqual([]);
    expect(validateBlocks([ok, { ...ok }], 'message')).toEqual([
      'only_one_table_allowed [json-pointer:/blocks/1]',
    ]);
    expect(validateBlocks([table(many(101, () => [raw('x')]))], 'message')).toEqual([
      'no more than 100 items allowed [json-pointer:/blocks/0/rows]',
    ]);
    expect(validateBlocks([table([many(21, () => raw('x'))])], 'message')).toEqual([
      'no more than 20 items allowed [json-pointer:/blocks/0/rows/0]',
    ]);
    expect(
      validateBlocks(
        [
          table([[raw('a'), { type: 'mrkdwn', text: 'b' }], [raw('c')]], {
            column_settings: [{ align: 'middle' }],
          }),
        ],
        'message',
      ),
    ).toEqual([
      'must be raw_text or rich_text [json-pointer:/blocks/0/rows/0/1/type]',
      'must have 2 cells, like the first row [json-pointer:/blocks/0/rows/1]',
      'must be one of: left, center, right [json-pointer:/blocks/0/column_settings/0/align]',
    ]);
    expect(validateBlocks([{ type: 'table' }], 'message')).toEqual([
      'missing required field: rows [json-pointer:/blocks/0/rows]',
    ]);
    expect(validateView({ type: 'modal', title: plain('t'), blocks: [ok] })).toEqual([
      'unsupported type on a modal: table [json-pointer:/view/blocks/0/type]',
    ]);
  });

  it('counts the limits inclusively', () => {
    const atLimits = [
      { type: 'header', text: plain('h'.repeat(150)) },
      { type: 'section', text: mrkdwn('s'.repeat(3000)), fields: many(10, () => mrkdwn('f'.repeat(2000))) },
      {
        type: 'actions',
        block_id: 'b'.repeat(255),
        elements: many(25, (i) => button(`${i}`.padEnd(255, 'a'), 'x'.repeat(75))),
      },
    ];
    expect(validateBlocks(atLimits, 'message')).toEqual([]);
  });
});

describe('validateView', () => {
  const modal = {
    type: 'modal',
    title: plain('Log outcome'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      { type: 'input', label: plain('Note'), element: { type: 'plain_text_input', action_id: 'note' } },
    ],
  };

  it('accepts a modal and a Home tab', () => {
    expect(validateView(modal)).toEqual([]);
    expect(validateView({ type: 'home', blocks: [section('Your alerts')] })).toEqual([]);
  });

  it.each([
    ['title', { title: plain('t'.repeat(25)) }, '/view/title/text', 'must be less than 25 characters'],
    ['submit', { submit: plain('s'.repeat(25)) }, '/view/submit/text', 'must be less than 25 characters'],
    ['close', { close: plain('c'.repeat(25)) }, '/view/close/text', 'must be less than 25 characters'],
    [
      'private_metadata',
      { private_metadata: 'm'.repeat(3001) },
      '/view/private_metadata',
      'must be less than 3001 characters',
    ],
    [
      'callback_id',
      { callback_id: 'c'.repeat(256) },
      '/view/callback_id',
      'must be less than 256 characters',
    ],
    ['a missing title', { title: undefined }, '/view/title', 'missing required field: title'],
    [
      'inputs without submit',
      { submit: undefined },
      '/view/submit',
      'missing required field: submit (the view has input blocks)',
    ],
    [
      '101 blocks',
      { blocks: many(101, () => ({ type: 'divider' })) },
      '/view/blocks',
      'no more than 100 items allowed',
    ],
  ])('reports %s', (_name, change, pointer, rule) => {
    expect(validateView({ ...modal, ...change })).toEqual([`${rule} [json-pointer:${pointer}]`]);
  });

  it('reports block errors under /view/blocks', () => {
    const errors = validateView({ type: 'home', blocks: [{ type: 'header', text: plain('h'.repeat(151)) }] });
    expect(errors).toEqual(['must be less than 151 characters [json-pointer:/view/blocks/0/text/text]']);
  });

  it('knows only modal and home views', () => {
    expect(validateView({ type: 'workflow_step', blocks: [] })).toEqual([
      'must be one of: modal, home [json-pointer:/view/type]',
    ]);
    expect(validateView('modal')).toEqual(['must be an object [json-pointer:/view]']);
  });
});
