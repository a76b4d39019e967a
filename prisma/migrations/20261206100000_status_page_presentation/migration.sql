-- AlterTable
ALTER TABLE "status_pages" ADD COLUMN "logo_url" TEXT,
ADD COLUMN "links" JSONB NOT NULL DEFAULT '[]';
