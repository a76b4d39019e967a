-- CreateTable
CREATE TABLE "worker_leases" (
    "worker_id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "reaped_by" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "worker_leases_pkey" PRIMARY KEY ("worker_id")
);

-- CreateTable
CREATE TABLE "probe_windows" (
    "task_token" BYTEA NOT NULL,
    "worker_id" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "superseded" BOOLEAN NOT NULL DEFAULT false,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "probe_windows_pkey" PRIMARY KEY ("task_token")
);

-- CreateIndex
CREATE INDEX "probe_windows_worker_id_idx" ON "probe_windows"("worker_id");

-- CreateIndex
CREATE INDEX "probe_windows_target_id_idx" ON "probe_windows"("target_id");

-- CreateIndex
CREATE INDEX "probe_windows_superseded_idx" ON "probe_windows"("worker_id") WHERE (superseded);
