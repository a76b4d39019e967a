-- AlterTable
ALTER TABLE "target_status" ADD COLUMN     "last_flip_at" TIMESTAMPTZ(3);
