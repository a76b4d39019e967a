-- Incidents (src/workflows/incident.ts), escalation policies and notification channels, and the delivery record of
-- every notification. Written by hand for these tables alone, from prisma migrate diff, plus CHECK constraints
-- (which the Prisma schema cannot express) on the closed sets of values.
-- CreateTable
CREATE TABLE "channels" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "escalation_policies" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "repeat" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "escalation_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "escalation_levels" (
    "policy_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "timeout_seconds" INTEGER NOT NULL,

    CONSTRAINT "escalation_levels_pkey" PRIMARY KEY ("policy_id","position")
);

-- CreateTable
CREATE TABLE "escalation_level_channels" (
    "policy_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "channel_id" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,

    CONSTRAINT "escalation_level_channels_pkey" PRIMARY KEY ("policy_id","position","channel_id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "target_name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "escalation_policy_id" TEXT,
    "policy" JSONB,
    "level" INTEGER,
    "round" INTEGER,
    "assignee" TEXT,
    "acknowledged_by_id" TEXT,
    "acknowledged_by" TEXT,
    "acknowledged_at" TIMESTAMPTZ(3),
    "snoozed_until" TIMESTAMPTZ(3),
    "resolved_by_id" TEXT,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_events" (
    "incident_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "actor_name" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" JSONB,

    CONSTRAINT "incident_events_pkey" PRIMARY KEY ("incident_id","seq")
);

-- CreateTable
CREATE TABLE "notification_deliveries" (
    "id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "channel_name" TEXT NOT NULL,
    "channel_kind" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "escalation_level_channels_channel_id_idx" ON "escalation_level_channels"("channel_id");

-- CreateIndex
CREATE INDEX "incidents_opened_at_id_idx" ON "incidents"("opened_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "incidents_state_opened_at_id_idx" ON "incidents"("state", "opened_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "incidents_target_id_opened_at_id_idx" ON "incidents"("target_id", "opened_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "incidents_target_id_sequence_key" ON "incidents"("target_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "incidents_one_open_per_target" ON "incidents"("target_id") WHERE (state <> 'resolved');

-- CreateIndex
CREATE INDEX "notification_deliveries_incident_id_created_at_idx" ON "notification_deliveries"("incident_id", "created_at");

-- AddForeignKey
ALTER TABLE "escalation_levels" ADD CONSTRAINT "escalation_levels_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "escalation_policies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "escalation_level_channels" ADD CONSTRAINT "escalation_level_channels_policy_id_position_fkey" FOREIGN KEY ("policy_id", "position") REFERENCES "escalation_levels"("policy_id", "position") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "escalation_level_channels" ADD CONSTRAINT "escalation_level_channels_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: the closed sets of values (src/domain/incident.ts, src/domain/escalation.ts).
ALTER TABLE "channels" ADD CONSTRAINT "channels_kind_check" CHECK ("kind" IN ('webhook', 'slack', 'email'));
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_state_check" CHECK ("state" IN ('triggered', 'acknowledged', 'exhausted', 'resolved'));
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_status_check" CHECK ("status" IN ('pending', 'delivered', 'failed'));
