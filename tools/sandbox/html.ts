/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already
 * `SafeHtml`. Everything the sandbox page shows (account names, message text, user input) comes
 * from events anyone can send, so escaping is the default and markup is the exception.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return new SafeHtml(out);
}

/** Markup that was built safely elsewhere (never call it on user input). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A JSON value for a `data-*` attribute: the `html` tag escapes the quotes. */
export function dataJson(value: unknown): string {
  return JSON.stringify(value);
}
