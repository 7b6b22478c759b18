import type { FieldError } from './http-error.js';

/**
 * How deep ingest lets JSON nest (the top-level object or array is level 1). Real events nest a
 * handful of levels; past this a body is hostile, and every recursive step after the parser —
 * validation, `JSON.stringify` into the event log — would overflow the stack on it (issue 18: 5,000
 * levels answered 500 "Maximum call stack size exceeded").
 */
export const MAX_JSON_DEPTH = 64;

/** Keys in the reported path are cut to this many characters: the path is an answer, not an echo. */
const KEY_SHOWN = 64;

type Container = Record<string, unknown> | unknown[];

/** One open container of the walk: its children and the next one to visit. */
interface Frame {
  /** Null for an array: the key is the index. */
  keys: readonly string[] | null;
  values: readonly unknown[];
  next: number;
}

/**
 * The path to the first object or array nested deeper than `max` levels in parsed JSON, or null.
 * An iterative walk with an explicit stack (V8's JSON.parse is iterative too, so a body of any
 * depth reaches here): it never recurses, and it stops at `max + 1` levels, so its stack is
 * bounded however deep the input goes.
 */
export function tooDeepAt(value: unknown, max = MAX_JSON_DEPTH): (string | number)[] | null {
  return exceedsDepth(value, max) ? pathPastDepth(value, max) : null;
}

/**
 * Whether anything nests past `max`: the pass every request pays, so it keeps no path, only
 * each open container and its level (the path is found again, rarely, by `pathPastDepth`).
 */
function exceedsDepth(value: unknown, max: number): boolean {
  if (!isContainer(value)) return false;
  const containers: unknown[] = [value];
  const levels: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop() as Container;
    const level = levels.pop()!;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const child = container[i];
        if (!isContainer(child)) continue;
        if (level + 1 > max) return true;
        containers.push(child);
        levels.push(level + 1);
      }
      continue;
    }
    // for…in over parsed JSON: own keys only (Object.prototype has no enumerable ones), no array built.
    for (const key in container) {
      const child = container[key];
      if (!isContainer(child)) continue;
      if (level + 1 > max) return true;
      containers.push(child);
      levels.push(level + 1);
    }
  }
  return false;
}

/** The path to the first container past `max`, walking with an explicit stack of open containers. */
function pathPastDepth(value: unknown, max: number): (string | number)[] | null {
  if (!isContainer(value)) return null;
  const stack: Frame[] = [frameOf(value)];
  const path: (string | number)[] = [];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.values.length) {
      stack.pop();
      path.pop();
      continue;
    }
    const index = frame.next++;
    const child = frame.values[index];
    if (!isContainer(child)) continue;
    path[stack.length - 1] = frame.keys === null ? index : frame.keys[index]!;
    path.length = stack.length;
    if (stack.length + 1 > max) return path;
    stack.push(frameOf(child));
  }
  return null;
}

/** `tooDeepAt` as a 400's field error (README: `errors: [{path, message}]`), or null. */
export function depthError(
  value: unknown,
  prefix: readonly (string | number)[] = [],
  max = MAX_JSON_DEPTH,
): FieldError | null {
  const at = tooDeepAt(value, max);
  if (at === null) return null;
  const segments = [...prefix, ...at].map((segment) => {
    const text = String(segment);
    return text.length > KEY_SHOWN ? `${text.slice(0, KEY_SHOWN)}…` : text;
  });
  return { path: segments.join('.') || '(body)', message: `nested deeper than ${max} levels` };
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function frameOf(container: Container): Frame {
  if (Array.isArray(container)) return { keys: null, values: container, next: 0 };
  const keys = Object.keys(container);
  return { keys, values: keys.map((key) => container[key]), next: 0 };
}
