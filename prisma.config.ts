import { defineConfig } from 'prisma/config';

// Prisma 7 reads the connection from here, not from schema.prisma. An empty url keeps `prisma generate` working
// without a database; migrations are applied by src/db/migrate.ts (see README: "Migrations").
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
