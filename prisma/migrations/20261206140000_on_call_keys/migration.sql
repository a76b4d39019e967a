-- The stable names a configuration file gives users, rotations and schedules (`vigil plan` / `vigil apply` match by
-- them), as 20261206130000_config_keys does for targets, channels and policies; null for those made without one.
-- Unique when set: NULLs never conflict.

-- AlterTable
ALTER TABLE "users" ADD COLUMN "key" TEXT;
ALTER TABLE "rotations" ADD COLUMN "key" TEXT;
ALTER TABLE "schedules" ADD COLUMN "key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "users_key_key" ON "users"("key");
CREATE UNIQUE INDEX "rotations_key_key" ON "rotations"("key");
CREATE UNIQUE INDEX "schedules_key_key" ON "schedules"("key");
