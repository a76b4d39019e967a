-- AlterTable
ALTER TABLE "targets" ADD COLUMN "ping_token" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "targets_ping_token_key" ON "targets"("ping_token");

-- CreateTable
CREATE TABLE "pings" (
    "id" BIGSERIAL NOT NULL,
    "target_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "source" TEXT,

    CONSTRAINT "pings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pings_target_id_kind_received_at_idx" ON "pings"("target_id", "kind", "received_at" DESC);
