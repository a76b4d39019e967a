-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "contact_methods" JSONB NOT NULL DEFAULT '[]',
    "notification_rules" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rotations" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "shift_length" INTEGER NOT NULL,
    "shift_unit" TEXT NOT NULL,
    "start_at" TIMESTAMPTZ(3) NOT NULL,
    "turn_offset" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rotations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rotation_participants" (
    "rotation_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,

    CONSTRAINT "rotation_participants_pkey" PRIMARY KEY ("rotation_id","position")
);

-- CreateTable
CREATE TABLE "schedules" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_rules" (
    "schedule_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "days" TEXT[],
    "start_minute" INTEGER NOT NULL,
    "end_minute" INTEGER NOT NULL,
    "rotation_id" TEXT,
    "user_id" TEXT,

    CONSTRAINT "schedule_rules_pkey" PRIMARY KEY ("schedule_id","position"),
    -- A rule names a rotation or a user, never both nor neither.
    CONSTRAINT "schedule_rules_one_target" CHECK (("rotation_id" IS NULL) <> ("user_id" IS NULL))
);

-- CreateTable
CREATE TABLE "schedule_overrides" (
    "id" TEXT NOT NULL,
    "sequence" BIGSERIAL NOT NULL,
    "schedule_id" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "add_user_id" TEXT,
    "remove_user_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedule_overrides_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "schedule_overrides_range" CHECK ("ends_at" > "starts_at"),
    CONSTRAINT "schedule_overrides_someone" CHECK ("add_user_id" IS NOT NULL OR "remove_user_id" IS NOT NULL)
);

-- CreateTable
CREATE TABLE "calendar_feeds" (
    "token_hash" TEXT NOT NULL,
    "schedule_id" TEXT,
    "user_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calendar_feeds_pkey" PRIMARY KEY ("token_hash"),
    CONSTRAINT "calendar_feeds_one_owner" CHECK (("schedule_id" IS NULL) <> ("user_id" IS NULL))
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "rotation_participants_user_id_idx" ON "rotation_participants"("user_id");

-- CreateIndex
CREATE INDEX "schedule_rules_rotation_id_idx" ON "schedule_rules"("rotation_id");

-- CreateIndex
CREATE INDEX "schedule_rules_user_id_idx" ON "schedule_rules"("user_id");

-- CreateIndex
CREATE INDEX "schedule_overrides_schedule_id_ends_at_idx" ON "schedule_overrides"("schedule_id", "ends_at");

-- CreateIndex
CREATE INDEX "schedule_overrides_add_user_id_idx" ON "schedule_overrides"("add_user_id");

-- CreateIndex
CREATE INDEX "schedule_overrides_remove_user_id_idx" ON "schedule_overrides"("remove_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "calendar_feeds_schedule_id_key" ON "calendar_feeds"("schedule_id");

-- CreateIndex
CREATE UNIQUE INDEX "calendar_feeds_user_id_key" ON "calendar_feeds"("user_id");

-- AddForeignKey
ALTER TABLE "rotation_participants" ADD CONSTRAINT "rotation_participants_rotation_id_fkey" FOREIGN KEY ("rotation_id") REFERENCES "rotations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rotation_participants" ADD CONSTRAINT "rotation_participants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_rules" ADD CONSTRAINT "schedule_rules_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_rules" ADD CONSTRAINT "schedule_rules_rotation_id_fkey" FOREIGN KEY ("rotation_id") REFERENCES "rotations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_rules" ADD CONSTRAINT "schedule_rules_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_overrides" ADD CONSTRAINT "schedule_overrides_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_overrides" ADD CONSTRAINT "schedule_overrides_add_user_id_fkey" FOREIGN KEY ("add_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_overrides" ADD CONSTRAINT "schedule_overrides_remove_user_id_fkey" FOREIGN KEY ("remove_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable: an API key may belong to a user, whose actions it then records as theirs
ALTER TABLE "api_keys" ADD COLUMN "user_id" TEXT;

-- CreateIndex
CREATE INDEX "api_keys_user_id_idx" ON "api_keys"("user_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
