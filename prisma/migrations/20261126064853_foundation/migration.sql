-- CreateTable
CREATE TABLE "targets" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "interval_seconds" INTEGER NOT NULL,
    "spec" JSONB NOT NULL,
    "config_version" INTEGER NOT NULL DEFAULT 1,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "targets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "target_status" (
    "target_id" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'unknown',
    "state_since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_flip_at" TIMESTAMPTZ(3),
    "last_scheduled_at" TIMESTAMPTZ(3),
    "last_checked_at" TIMESTAMPTZ(3),
    "last_outcome" TEXT,
    "last_latency_ms" INTEGER,
    "last_error" TEXT,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "consecutive_successes" INTEGER NOT NULL DEFAULT 0,
    "flapping" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "target_status_pkey" PRIMARY KEY ("target_id")
);

-- CreateTable
CREATE TABLE "check_results" (
    "target_id" TEXT NOT NULL,
    "scheduled_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "latency_ms" INTEGER,
    "status_code" INTEGER,
    "error" TEXT,
    "manual" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "check_results_pkey" PRIMARY KEY ("target_id","scheduled_at")
) PARTITION BY RANGE ("scheduled_at");

-- Hand-written (the Prisma schema language cannot express partitioning): check_results is append-only and large, so it
-- is split into one partition per UTC day, and retention drops whole partitions instead of deleting rows. Day
-- partitions are created ahead of time by src/db/partitions.ts (at start-up and by the maintenance job), and the
-- default partition only catches rows outside them, so a missed maintenance run never loses a result.
CREATE TABLE "check_results_default" PARTITION OF "check_results" DEFAULT;

-- CreateTable
CREATE TABLE "flips" (
    "target_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "from_state" TEXT NOT NULL,
    "to_state" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "flips_pkey" PRIMARY KEY ("target_id","at")
);

-- AddForeignKey
ALTER TABLE "target_status" ADD CONSTRAINT "target_status_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;
