import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * README.md must not name a file or folder the repository does not have: a newcomer follows
 * those names. What counts as a name (the rule, decided once here):
 *
 * - Markdown link targets `[text](target)`: every target that is not a URL (`scheme:`) is a
 *   path, checked; a `#anchor` (alone or after a path to this file) must be one of README's
 *   headings, as GitHub makes anchors from them.
 * - Code spans and fenced code blocks, word by word: a word made only of path characters
 *   (letters, digits, `.`, `_`, `-`, `/`) is a path when it contains a `/` or ends in a known
 *   extension (`KNOWN_EXTENSIONS`). A word with a `/` must exist at that path from the
 *   repository root (a folder may end in `/`); a bare file name (`chaos.test.ts`) must be the
 *   name of some file in the repository.
 * - Not paths: URLs, anything starting with `/` (absolute paths such as `/tmp/…`, routes such as
 *   `/webhooks/usage`, the `/pls` command), `@scope/package` names, placeholders (`<port>`,
 *   `…`, `{milestone}`: not path characters), words without a letter (`10,000/10,000`), IANA
 *   time zones (`America/New_York`), media types (`application/json`), and what pls and the
 *   build create at run time and git ignores: `data/`, `dist/`, `node_modules/`, `coverage/`
 *   (also written `./data/…`).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const KNOWN_EXTENSIONS = [
  '.ts',
  '.js',
  '.mjs',
  '.yml',
  '.yaml',
  '.json',
  '.md',
  '.sql',
  '.sh',
  '.png',
  '.txt',
];
const CREATED_AT_RUN_TIME = ['data/', 'dist/', 'node_modules/', 'coverage/'];
const PATH_WORD = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]*)*$/;
const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
const MEDIA_TYPE = /^(application|audio|image|multipart|text|video)\/[A-Za-z0-9.+-]+$/;

interface ReadmeNames {
  paths: string[];
  anchors: string[];
  headings: string[];
}

/** The paths, anchors and heading anchors a README names, by the rule above. */
function namesIn(markdown: string): ReadmeNames {
  const paths = new Set<string>();
  const anchors = new Set<string>();
  const headings: string[] = [];
  const prose: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      for (const word of line.split(/[\s"'=(),;]+/)) addWord(word, paths);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) headings.push(githubAnchor(heading[1]!));
    prose.push(line);
  }
  const text = prose.join('\n');
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue;
    const [path, anchor] = target!.split('#');
    if (path) paths.add(path);
    if (anchor !== undefined && (!path || path === 'README.md')) anchors.add(anchor);
  }
  for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
    for (const word of span!.split(/\s+/)) addWord(word.replace(/[.,;:]+$/, ''), paths);
  }
  return { paths: [...paths], anchors: [...anchors], headings };
}

function addWord(raw: string, paths: Set<string>): void {
  const word = raw.replace(/^\.\//, '');
  if (!PATH_WORD.test(word) || !/[A-Za-z]/.test(word)) return;
  const looksLikePath = word.includes('/') || KNOWN_EXTENSIONS.some((ext) => word.endsWith(ext));
  if (!looksLikePath || TIME_ZONES.has(word) || MEDIA_TYPE.test(word)) return;
  if (CREATED_AT_RUN_TIME.some((prefix) => `${word}/`.startsWith(prefix))) return;
  paths.add(word);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every file name in the repository (what a bare `chaos.test.ts` may name). */
function fileNames(dir: string, names = new Set<string>()): Set<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' || CREATED_AT_RUN_TIME.includes(`${entry.name}/`)) continue;
    if (entry.isDirectory()) fileNames(join(dir, entry.name), names);
    else names.add(entry.name);
  }
  return names;
}

/** The names of `names` that the repository at `root` does not have. */
function missing(names: ReadmeNames, root: string): string[] {
  const files = fileNames(root);
  const paths = names.paths.filter((path) =>
    path.includes('/') ? !existsSync(join(root, path)) : !files.has(path),
  );
  const anchors = names.anchors.filter((anchor) => !names.headings.includes(anchor)).map((a) => `#${a}`);
  return [...paths, ...anchors];
}

describe('README.md', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('names only files, folders and headings the repository has', () => {
    const names = namesIn(readme);
    expect(names.paths.length).toBeGreaterThan(20);
    expect(missing(names, ROOT)).toEqual([]);
  });

  it('would notice a path, a file name or an anchor that is not there', () => {
    const names = namesIn(
      [
        '# Title',
        'See [the manifest](manifests/nope.yml), `src/domain/nope.ts`, `nope.test.ts` and [up](#nowhere).',
        'Not paths: `/pls queue`, `America/Chicago`, `./data/pls.db`, `@slack/bolt`, `data/sandbox-<port>.db`.',
        'Nor `application/json`, `10,000/10,000` or `/tmp/first-events.json`.',
        '```sh',
        'npm run check -- --manifest manifests/missing.yml',
        '```',
      ].join('\n'),
    );
    expect(missing(names, ROOT).sort()).toEqual(
      [
        '#nowhere',
        'manifests/missing.yml',
        'manifests/nope.yml',
        'nope.test.ts',
        'src/domain/nope.ts',
      ].sort(),
    );
  });
});

describe('ARCHITECTURE.md', () => {
  it('names only files and folders the repository has', () => {
    const names = namesIn(readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8'));
    expect(names.paths.length).toBeGreaterThan(20);
    expect(missing(names, ROOT)).toEqual([]);
  });
});
