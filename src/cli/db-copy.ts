import { runDbCopy } from './db-copy-command.js';

/** `npm run db:copy -- --from file:<sqlite path> --to postgres://…` (src/cli/db-copy-command.ts). */
process.exitCode = await runDbCopy(process.argv.slice(2), { output: process.stdout, errors: process.stderr });
