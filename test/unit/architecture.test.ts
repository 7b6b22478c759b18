import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The import directions ARCHITECTURE.md states, read from its table ("Folders, and what may
 * import what") and held against every import in `src/` and `tools/`: a folder of `src/`
 * imports only itself and the folders of its row; `src/` imports nothing outside it; the tools
 * never import the tests or the benchmarks. The rule lives in the document, so the two cannot
 * drift: change the table, and this test holds the code to the new one.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const ROOT_ROW = '(root)';

/**
 * The one exception the document names: the engines start the scoring loop themselves (a worker
 * thread on SQLite, the main thread on Postgres).
 */
const EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  'src/db/sqlite/scoring-worker.ts': ['src/services/process-events.ts', 'src/services/processing-loop.ts'],
  'src/db/postgres/pg-storage.ts': ['src/services/process-events.ts', 'src/services/processing-loop.ts'],
};

interface Row {
  /** Folders of src/ it may import; null for the root row (any of them). */
  folders: Set<string> | null;
  /** Packages it may import; null when any. */
  packages: Set<string> | null;
}

/** The table's rows: `| \`folder\` | holds | may import |`. */
function rulesOf(markdown: string): Map<string, Row> {
  const section = markdown.split('## Folders, and what may import what')[1]!.split('\n## ')[0]!;
  const rows = new Map<string, Row>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 5 || cells[1] === 'folder' || cells[1]!.startsWith('---')) continue;
    const name = cells[1]!.replaceAll('`', '');
    const may = cells[3]!;
    const [folderPart, packagePart] = may.split('(of packages, only');
    const folders = may.startsWith('every folder')
      ? null
      : new Set([...folderPart!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!));
    const packages = packagePart ? new Set([...packagePart.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)) : null;
    rows.set(name, { folders, packages });
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module a file names: static and dynamic imports, re-exports, side-effect imports. */
function importsOf(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\s[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return specifiers.map((m) => m[1]!);
}

/** The folder of src/ a path is in ('(root)' at the top), or null outside src/. */
function folderOf(path: string): string | null {
  const rel = relative(SRC, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split('/');
  return parts.length === 1 ? ROOT_ROW : parts[0]!;
}

function packageOf(specifier: string): string {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return 'node';
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** The imports of `files` that the table does not allow, as "from → to" lines. */
function offences(files: readonly string[], rules: Map<string, Row>): string[] {
  const found: string[] = [];
  for (const file of files) {
    const from = folderOf(file)!;
    const rule = rules.get(from);
    const name = relative(ROOT, file);
    if (!rule) {
      found.push(`${name}: its folder ${from} has no row in the table`);
      continue;
    }
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        if (rule.packages && !rule.packages.has(packageOf(specifier))) found.push(`${name} → ${specifier}`);
        continue;
      }
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      const to = folderOf(target);
      const targetName = relative(ROOT, target);
      if (to === null) {
        found.push(`${name} → ${targetName} (outside src/)`);
        continue;
      }
      if (to === from || rule.folders === null || rule.folders.has(to)) continue;
      if (EXCEPTIONS[name]?.includes(targetName)) continue;
      found.push(`${name} → ${targetName}`);
    }
  }
  return found;
}

const architecture = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
const rules = rulesOf(architecture);

describe('ARCHITECTURE.md’s import directions', () => {
  it('has a row for every folder of src/, and names its exceptions', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !rules.has(folder))).toEqual([]);
    expect(rules.get('domain')).toEqual({ folders: new Set(), packages: new Set(['luxon']) });
    expect(rules.get(ROOT_ROW)?.folders).toBeNull();
    for (const file of Object.keys(EXCEPTIONS)) expect(architecture).toContain(file);
  });

  it('holds for every import in src/', () => {
    expect(offences(sourceFiles(SRC), rules)).toEqual([]);
  });

  it('leaves the tools free of the tests and the benchmarks', () => {
    const found = sourceFiles(join(ROOT, 'tools')).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => relative(ROOT, resolve(dirname(file), specifier)))
        .filter((target) => target.startsWith('test/') || target.startsWith('bench/'))
        .map((target) => `${relative(ROOT, file)} → ${target}`),
    );
    expect(found).toEqual([]);
  });

  it('would notice an import against the table', () => {
    const strict = new Map(rules);
    strict.set('services', { folders: new Set(['domain']), packages: null });
    const found = offences([join(SRC, 'services/alert-actions.ts'), join(SRC, 'domain/play.ts')], strict);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((line) => line.startsWith('src/services/alert-actions.ts → src/'))).toBe(true);
  });
});
