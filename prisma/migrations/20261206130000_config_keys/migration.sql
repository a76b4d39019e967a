-- The stable names a configuration file gives resources (`vigil plan` / `vigil apply` match by them); null for
-- resources made without one. Unique when set: NULLs never conflict.

-- AlterTable
ALTER TABLE "targets" ADD COLUMN "key" TEXT;
ALTER TABLE "channels" ADD COLUMN "key" TEXT;
ALTER TABLE "escalation_policies" ADD COLUMN "key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "targets_key_key" ON "targets"("key");
CREATE UNIQUE INDEX "channels_key_key" ON "channels"("key");
CREATE UNIQUE INDEX "escalation_policies_key_key" ON "escalation_policies"("key");
