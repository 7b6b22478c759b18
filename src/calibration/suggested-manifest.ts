import type { Suggestion } from './calibration.js';

/**
 * The suggestion as a YAML snippet of the manifest keys it changes, each entry named by its id
 * and annotated with today's value. Lists in a manifest are replaced whole by YAML, so this is
 * not a file to merge mechanically: it says which keys of which entries to edit.
 */
export function suggestedManifestYaml(
  suggestion: Omit<Suggestion, 'yaml'>,
  play: string | null = null,
): string {
  const { tiers } = suggestion;
  const header = [
    '# Suggested by `npm run calibrate`: edit these keys of the entries with these ids in your',
    '# manifest, then `npm run check` and `npm run replay -- --manifest <edited file>` before deploying.',
    ...(play === null ? [] : ['plays:', `  - id: ${play}`]),
  ];
  // A play's scoring sits under its entry in `plays:`.
  const indent = play === null ? '' : '    ';
  const lines = ['scoring:'];
  if (tiers.warm !== tiers.was.warm || tiers.hot !== tiers.was.hot) {
    lines.push(
      `  tiers: { hot: ${tiers.hot}, warm: ${tiers.warm} }   # was hot ${tiers.was.hot}, warm ${tiers.was.warm}`,
    );
  }
  if (suggestion.signals.length > 0) {
    lines.push('  signals:');
    for (const s of suggestion.signals) {
      const was = s.was.cap === null ? `points ${s.was.points}` : `points ${s.was.points}, cap ${s.was.cap}`;
      lines.push(`    - id: ${s.id}   # was ${was}`);
      lines.push(`      points: ${s.points}`);
      if (s.cap !== null) lines.push(`      cap: ${s.cap}`);
    }
  }
  if (suggestion.metrics.length > 0) {
    lines.push('  metrics:');
    for (const m of suggestion.metrics) {
      lines.push(`    - id: ${m.id}   # was steps ${steps(m.was)}`);
      lines.push(`      steps: ${steps(m.steps)}`);
    }
  }
  if (lines.length === 1) lines.push('  {}   # nothing to change');
  return `${[...header, ...lines.map((line) => indent + line)].join('\n')}\n`;
}

function steps(list: readonly (readonly [number, number])[]): string {
  return `[${list.map(([t, p]) => `[${t}, ${p}]`).join(', ')}]`;
}
