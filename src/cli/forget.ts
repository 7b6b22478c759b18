import { runForget } from './forget-command.js';

/** `npm run forget -- --id <account id> | --domain <domain> [--yes]` (src/cli/forget-command.ts). */
process.exitCode = await runForget(process.argv.slice(2), process.env, {
  input: process.stdin,
  output: process.stdout,
  errors: process.stderr,
});
