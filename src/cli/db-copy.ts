import { runDbCopy } from '../db/copy.js';

/** `npm run db:copy -- --from file:<sqlite path> --to postgres://…` (src/db/copy.ts). */
process.exitCode = await runDbCopy(process.argv.slice(2), { output: process.stdout, errors: process.stderr });
