import type { Manifest } from '../domain/definition.js';

/**
 * What a manifest allows but almost surely does not mean: `npm run check` prints these (and
 * `--strict` fails on them), start-up logs them. Each names the key.
 */
export function manifestWarnings(manifest: Manifest): string[] {
  const { scoring } = manifest;
  const warnings: string[] = [];
  for (const [index, signal] of scoring.signals.entries()) {
    if (!signal.handoff) continue;
    // The most the signal can earn by the time it fires: `count` occurrences (undecayed), up to its cap.
    const reach = Math.min(signal.cap ?? Number.POSITIVE_INFINITY, signal.points * signal.handoff.count);
    const gate = scoring.gates[signal.layer];
    if (reach >= gate) continue;
    warnings.push(
      `scoring.signals.${index} (${signal.id}): a handoff signal that cannot fire on its own: at best it earns ${reach} points, alone on the ${signal.layer} layer, under the ${signal.layer} gate of ${gate} (${gate - reach} short)`,
    );
  }
  return warnings;
}
