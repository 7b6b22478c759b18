import type { Database } from '../config/env.js';
import { openHistorySource } from '../db/open-history.js';
import type { Manifest } from '../domain/definition.js';
import { answerOnce } from '../runtime/child-task.js';
import { type CalibrationReport, calibrate } from './calibration.js';

/**
 * The child process `calibrateOffThread` forks (src/calibration/calibration-runner.ts): calibrates on
 * its own read-only connection and answers once.
 */
export interface CalibrationRequest {
  database: Database;
  manifest: Manifest;
  now: number;
  /** The play to calibrate; default new business. */
  play?: string;
  since?: number;
  window?: number;
}

answerOnce(async (request: CalibrationRequest): Promise<CalibrationReport> => {
  const history = await openHistorySource(request.database);
  try {
    return await calibrate(history, request.manifest, {
      now: request.now,
      play: request.play,
      since: request.since,
      window: request.window,
    });
  } finally {
    await history.close();
  }
});
