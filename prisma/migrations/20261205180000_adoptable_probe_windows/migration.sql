-- AlterTable
ALTER TABLE "probe_windows" ADD COLUMN "input" JSONB;
