import type { Manifest } from '../config/manifest.js';
import { openHistory } from '../db/sqlite/history-source.js';
import { type CalibrationReport, calibrate } from './calibration.js';
import { answerOnce } from './child-task.js';

/**
 * The child process `calibrateOffThread` forks (src/analysis/calibration-runner.ts): calibrates on
 * its own read-only connection and answers once.
 */
export interface CalibrationRequest {
  databasePath: string;
  manifest: Manifest;
  now: number;
  since?: number;
  window?: number;
}

answerOnce((request: CalibrationRequest): CalibrationReport => {
  const db = openHistory(request.databasePath);
  try {
    return calibrate(db, request.manifest, {
      now: request.now,
      since: request.since,
      window: request.window,
    });
  } finally {
    db.close();
  }
});
