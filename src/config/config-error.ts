import type * as z from 'zod';
import { type CodedError, ErrorCode } from '../domain/errors.js';

/** Where a configuration problem was found. */
export type ConfigSource = 'env' | 'manifest';

export interface ConfigIssue {
  readonly source: ConfigSource;
  /** The manifest file, when the manifest was read from one. */
  readonly file: string | null;
  /** 1-based position in `file`, when known. */
  readonly line: number | null;
  readonly column: number | null;
  /** Dotted path of the offending key (`routing.teams.0.channel`), or the variable name for env; '' = the whole thing. */
  readonly path: string;
  readonly message: string;
}

/**
 * Everything wrong with the configuration, one line per issue, so that start-up stops with a
 * message that names each key and what is wrong with it (README, "Environment") and never with a
 * stack trace.
 */
export class ConfigError extends Error implements CodedError {
  override name = 'ConfigError';
  readonly code = ErrorCode.ConfigInvalid;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * One line: `env SLACK_BOT_TOKEN: required (…)`, `manifest manifests/pls.yml:42:7: routing.teams.0.channel: …`,
 * or `manifest routing.teams.0.channel: …` when the manifest did not come from a file.
 */
export function formatConfigIssue(issue: ConfigIssue): string {
  let head: string = issue.source;
  if (issue.file !== null) {
    const position =
      issue.line === null ? '' : `:${issue.line}${issue.column === null ? '' : `:${issue.column}`}`;
    head += ` ${issue.file}${position}:`;
    return issue.path === '' ? `${head} ${issue.message}` : `${head} ${issue.path}: ${issue.message}`;
  }
  return issue.path === '' ? `${head}: ${issue.message}` : `${head} ${issue.path}: ${issue.message}`;
}

export function configIssue(
  source: ConfigSource,
  path: string,
  message: string,
  at: { file?: string | null; line?: number | null; column?: number | null } = {},
): ConfigIssue {
  return { source, path, message, file: at.file ?? null, line: at.line ?? null, column: at.column ?? null };
}

export type IssuePath = readonly PropertyKey[];
export type Locate = (path: IssuePath) => { line: number; column: number } | null;

interface FormatOptions {
  readonly file?: string | null;
  /** Maps an issue's path to a position in the source file (the manifest's YAML). */
  readonly locate?: Locate;
}

/** Turns a zod error into config issues; an unknown key's path ends with the key itself. */
export function formatZodIssues(
  error: z.ZodError,
  source: ConfigSource,
  options: FormatOptions = {},
): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path: PropertyKey[] = [...issue.path];
    if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) path.push(issue.keys[0]!);
    const position = options.locate?.(path) ?? null;
    return configIssue(source, joinPath(path), issue.message, {
      file: options.file ?? null,
      line: position?.line ?? null,
      column: position?.column ?? null,
    });
  });
}

export function joinPath(path: IssuePath): string {
  return path.map((segment) => String(segment)).join('.');
}

/** How a value appears in an error message: quoted scalars, a word for collections. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
  tuple: 'a list',
};

type RawIssue = z.core.$ZodRawIssue;

/**
 * Messages for the issues zod raises on its own, in the manifest's words. Schemas that know
 * better set their own message, which wins over this map. With `showValues: false` (env
 * variables hold secrets) the offending value is never repeated.
 */
export function createErrorMap({
  showValues,
}: {
  showValues: boolean;
}): (issue: RawIssue) => string | undefined {
  const got = (input: unknown) => (showValues ? `, got ${describeValue(input)}` : '');
  return (issue) => {
    switch (issue.code) {
      case 'invalid_type': {
        if (issue.input === undefined) return 'required';
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
        return `expected ${expected}${got(issue.input)}`;
      }
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const inclusive = issue.inclusive !== false;
        if (issue.origin === 'array' || issue.origin === 'set') {
          const n = Number(bound);
          const items = `${n} item${n === 1 ? '' : 's'}`;
          return issue.code === 'too_small' ? `needs at least ${items}` : `takes at most ${items}`;
        }
        if (issue.origin === 'string') {
          return issue.code === 'too_small' && Number(bound) === 1 ? 'must not be empty' : `invalid length`;
        }
        const op = issue.code === 'too_small' ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<';
        return `must be ${op} ${String(bound)}${got(issue.input)}`;
      }
      case 'invalid_value': {
        const values = issue.values.map((value) => JSON.stringify(value));
        const expected = values.length <= 2 ? values.join(' or ') : `one of ${values.join(', ')}`;
        return `expected ${expected}${got(issue.input)}`;
      }
      case 'unrecognized_keys':
        return issue.keys.length === 1 ? 'unknown key' : `unknown keys ${quoteAll(issue.keys)}`;
      default:
        return undefined;
    }
  };
}

/**
 * The error for a strict object's unknown keys: a typo in a PQL definition must fail loudly,
 * and the message points at the key that was probably meant.
 */
export function unknownKeyError(allowed: readonly string[]): (issue: RawIssue) => string | undefined {
  return (issue) => {
    if (issue.code !== 'unrecognized_keys') return undefined;
    const expected = `expected one of: ${allowed.join(', ')}`;
    if (issue.keys.length === 1) {
      const suggestion = closest(issue.keys[0]!, allowed);
      return suggestion === null
        ? `unknown key (${expected})`
        : `unknown key (did you mean "${suggestion}"?)`;
    }
    return `unknown keys ${quoteAll(issue.keys)} (${expected})`;
  };
}

function quoteAll(keys: readonly string[]): string {
  return keys.map((key) => JSON.stringify(key)).join(', ');
}

/** The allowed key nearest to a typo, if it is near enough to be a plausible slip. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
