-- Escalation levels that page people: a user, a schedule (whoever it has on call) or a rotation (whoever has its turn).
-- A user, schedule or rotation that a policy names cannot be deleted (RESTRICT), as a channel cannot.

-- CreateTable
CREATE TABLE "escalation_level_people" (
    "policy_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "user_id" TEXT,
    "schedule_id" TEXT,
    "rotation_id" TEXT,

    CONSTRAINT "escalation_level_people_pkey" PRIMARY KEY ("policy_id","position","ordinal"),
    CONSTRAINT "escalation_level_people_one_check" CHECK (num_nonnulls("user_id", "schedule_id", "rotation_id") = 1)
);

-- CreateIndex
CREATE INDEX "escalation_level_people_user_id_idx" ON "escalation_level_people"("user_id");
CREATE INDEX "escalation_level_people_schedule_id_idx" ON "escalation_level_people"("schedule_id");
CREATE INDEX "escalation_level_people_rotation_id_idx" ON "escalation_level_people"("rotation_id");

-- AddForeignKey
ALTER TABLE "escalation_level_people" ADD CONSTRAINT "escalation_level_people_policy_id_position_fkey" FOREIGN KEY ("policy_id", "position") REFERENCES "escalation_levels"("policy_id", "position") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "escalation_level_people" ADD CONSTRAINT "escalation_level_people_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "escalation_level_people" ADD CONSTRAINT "escalation_level_people_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "escalation_level_people" ADD CONSTRAINT "escalation_level_people_rotation_id_fkey" FOREIGN KEY ("rotation_id") REFERENCES "rotations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
