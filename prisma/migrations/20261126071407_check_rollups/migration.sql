-- CreateTable
CREATE TABLE "check_rollups_hourly" (
    "target_id" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "probes" INTEGER NOT NULL DEFAULT 0,
    "down" INTEGER NOT NULL DEFAULT 0,
    "degraded" INTEGER NOT NULL DEFAULT 0,
    "missed" INTEGER NOT NULL DEFAULT 0,
    "latency_count" INTEGER NOT NULL DEFAULT 0,
    "latency_sum_ms" BIGINT NOT NULL DEFAULT 0,
    "latency_min_ms" INTEGER,
    "latency_max_ms" INTEGER,
    "latency_histogram" DECIMAL NOT NULL DEFAULT 0,

    CONSTRAINT "check_rollups_hourly_pkey" PRIMARY KEY ("target_id","starts_at")
);

-- CreateTable
CREATE TABLE "check_rollups_daily" (
    "target_id" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "probes" INTEGER NOT NULL DEFAULT 0,
    "down" INTEGER NOT NULL DEFAULT 0,
    "degraded" INTEGER NOT NULL DEFAULT 0,
    "missed" INTEGER NOT NULL DEFAULT 0,
    "latency_count" INTEGER NOT NULL DEFAULT 0,
    "latency_sum_ms" BIGINT NOT NULL DEFAULT 0,
    "latency_min_ms" INTEGER,
    "latency_max_ms" INTEGER,
    "latency_histogram" DECIMAL NOT NULL DEFAULT 0,

    CONSTRAINT "check_rollups_daily_pkey" PRIMARY KEY ("target_id","starts_at")
);

-- CreateIndex
CREATE INDEX "check_rollups_hourly_starts_at_idx" ON "check_rollups_hourly"("starts_at");

-- CreateIndex
CREATE INDEX "check_rollups_daily_starts_at_idx" ON "check_rollups_daily"("starts_at");

-- Hand-written (Prisma's schema cannot express these). Every recorded result updates its hour's and its day's row in
-- place: room left in each page lets those updates stay on the page (HOT), touching no index.
ALTER TABLE "check_rollups_hourly" SET (fillfactor = 70);
ALTER TABLE "check_rollups_daily" SET (fillfactor = 70);
