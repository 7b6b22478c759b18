/**
 * The module `name` beside the one at `metaUrl` (its `import.meta.url`): the built .js, or under
 * tsx and vitest, which run the TypeScript source, the .ts — then a process or thread started on
 * it needs tsx too (`typescript`).
 */
export function moduleBeside(metaUrl: string, name: string): { url: URL; typescript: boolean } {
  const typescript = metaUrl.endsWith('.ts');
  return { url: new URL(`./${name}.${typescript ? 'ts' : 'js'}`, metaUrl), typescript };
}
