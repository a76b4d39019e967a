-- AlterTable: whether the slot fell in a maintenance window of its target (src/domain/maintenance.ts)
ALTER TABLE "check_results" ADD COLUMN "maintenance" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable: slots in maintenance, any outcome; down, degraded and missed now count only slots outside maintenance
ALTER TABLE "check_rollups_hourly" ADD COLUMN "maintenance" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "check_rollups_daily" ADD COLUMN "maintenance" INTEGER NOT NULL DEFAULT 0;
