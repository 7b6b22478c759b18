import { defineConfig } from 'drizzle-kit';

/** Postgres's migrations (DATABASE_URL=postgres://…); SQLite's are drizzle.config.ts's. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres/schema.ts',
  out: './migrations/postgres',
});
