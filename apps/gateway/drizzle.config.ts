import { defineConfig } from 'drizzle-kit';

// `pnpm --filter @relay/gateway exec drizzle-kit generate` writes SQL migrations into ./drizzle;
// the gateway applies them when it opens the database (src/store/database.ts).
// biome-ignore lint/style/noDefaultExport: drizzle-kit reads the config from the default export.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
