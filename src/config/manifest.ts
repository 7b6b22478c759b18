import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Manifest } from '../domain/definition.js';
import { ConfigError, configIssue, createErrorMap, formatZodIssues, type Locate } from './config-error.js';
import { manifestSchema } from './manifest-schema.js';

/*
 * Loading the manifest (manifests/README.md): a YAML file read with its line positions, checked
 * by the schema (src/config/manifest-schema.ts) with every bad key named at its line, and frozen.
 * What it produces is the domain's vocabulary (src/domain/definition.ts).
 */

// ─── Entry points ────────────────────────────────────────────────────────────────────────

interface ParseOptions {
  /** Named in error messages. */
  readonly file?: string | null;
  readonly locate?: Locate;
}

/** Validates an already-parsed manifest (e.g. YAML's output); throws `ConfigError` naming every bad key. */
export function parseManifest(raw: unknown, options: ParseOptions = {}): Manifest {
  const file = options.file ?? null;
  if (raw === null || raw === undefined) {
    throw new ConfigError([configIssue('manifest', '', 'the manifest is empty', { file })]);
  }
  const result = manifestSchema.safeParse(raw, { error: createErrorMap({ showValues: true }) });
  if (!result.success)
    throw new ConfigError(formatZodIssues(result.error, 'manifest', { file, locate: options.locate }));
  return deepFreeze(result.data);
}

/** Reads and validates a YAML manifest; errors carry the file and, where known, the line. */
export function loadManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found (set PLS_MANIFEST to the manifest’s path)'
        : `cannot be read (${code ?? String(error)}; PLS_MANIFEST names the manifest’s path)`;
    throw new ConfigError([configIssue('manifest', '', message, { file: path })]);
  }
  return parseManifestYaml(text, path);
}

/** Parses manifest YAML text; `file` only names it in errors. */
export function parseManifestYaml(text: string, file: string | null = null): Manifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) =>
        configIssue('manifest', '', `invalid YAML: ${firstLine(error.message)}`, {
          file,
          line: error.linePos?.[0].line ?? null,
          column: error.linePos?.[0].col ?? null,
        }),
      ),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    throw new ConfigError([
      configIssue('manifest', '', `invalid YAML: ${(error as Error).message}`, { file }),
    ]);
  }
  const locate: Locate = (path) => {
    let node: unknown = doc.contents;
    let offset: number | null = null;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined) break;
        // Reported at the key: that is where the line to fix starts, for block values too.
        offset = rangeStart(pair.key) ?? rangeStart(pair.value);
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        offset = rangeStart(item);
        node = item;
      } else {
        break;
      }
    }
    if (offset === null) return null;
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  return parseManifest(raw, { file, locate });
}

function rangeStart(node: unknown): number | null {
  const range = (node as { range?: readonly number[] } | null)?.range;
  return range?.[0] ?? null;
}

/** yaml's pretty errors append a snippet after the first line; the position is reported separately. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
