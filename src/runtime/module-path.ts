/** A module to start a process or thread on. */
export interface ModuleAt {
  url: URL;
  /** It is TypeScript source: a process or thread started on it needs tsx. */
  typescript: boolean;
}

/**
 * The module `name` beside the one at `metaUrl` (its `import.meta.url`): the built .js, or under
 * tsx and vitest, which run the TypeScript source, the .ts — then a process or thread started on
 * it needs tsx too (`typescript`).
 */
export function moduleBeside(metaUrl: string, name: string): ModuleAt {
  const typescript = metaUrl.endsWith('.ts');
  return { url: new URL(`./${name}.${typescript ? 'ts' : 'js'}`, metaUrl), typescript };
}
