import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/cli-options.js';
import { CopyError } from '../../../src/cli/db-copy-command.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { DurationError, parseDuration } from '../../../src/config/duration.js';
import { loadManifest } from '../../../src/config/manifest.js';
import { DataLifecycleError } from '../../../src/db/data-lifecycle.js';
import { HistoryError } from '../../../src/db/history.js';
import { ChangedMeanwhile, StorageError } from '../../../src/db/store.js';
import { ErrorCode } from '../../../src/domain/errors.js';
import { ClientClosedError, HttpError } from '../../../src/ingest/http-error.js';
import { CrmError } from '../../../src/integrations/crm.js';
import { parseQueueArgs } from '../../../src/services/queue.js';
import { parseSlaArgs } from '../../../src/services/sla-report-service.js';
import { UserError } from '../../../src/services/user-error.js';

const manifest = loadManifest(resolve(import.meta.dirname, '../../../manifests/pls.yml'));

/** An error that carries one of the table's codes. */
function isCodedError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (Object.values(ErrorCode) as unknown[]).includes(code);
}

/** What `fn` threw, for asserting its code. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

describe('error codes', () => {
  it('are one table of distinct codes', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('are carried by every error pls raises on purpose', () => {
    const errors = [
      new UserError(ErrorCode.AlertTaken, 'x'),
      new ConfigError([]),
      new DurationError('x'),
      new UsageError('x'),
      new HttpError(413, 'x'),
      new ClientClosedError(),
      new HistoryError('x'),
      new CopyError('x'),
      new DataLifecycleError(ErrorCode.DatabaseLocked, 'x'),
      new StorageError('x'),
      new ChangedMeanwhile(),
      new CrmError('throttled', 'x'),
    ];
    for (const error of errors) expect(isCodedError(error), error.constructor.name).toBe(true);
    expect(errors.map((error) => (error as { code: string }).code)).toEqual([
      'alert_taken',
      'config_invalid',
      'duration_invalid',
      'usage_invalid',
      'request_too_large',
      'client_closed',
      'history_unreadable',
      'copy_failed',
      'locked',
      'storage_unavailable',
      'changed_meanwhile',
      'crm_throttled',
    ]);
    expect(isCodedError(new Error('a bug'))).toBe(false);
  });

  it('tell what went wrong without reading the sentence', () => {
    expect(thrown(() => parseQueueArgs(['bogus'], manifest))).toMatchObject({ code: 'command_usage' });
    expect(thrown(() => parseSlaArgs(['soon'], manifest, () => null))).toMatchObject({
      code: 'command_usage',
    });
    expect(thrown(() => parseDuration('-3d'))).toMatchObject({ code: 'duration_invalid' });
    expect(new HttpError(400, 'invalid body', []).body).toEqual({
      error: 'invalid body',
      code: 'request_invalid',
      errors: [],
    });
  });
});
