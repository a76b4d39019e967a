-- CreateTable
CREATE TABLE "status_pages" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "status_pages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_page_targets" (
    "status_page_id" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "display_name" TEXT,
    "position" INTEGER NOT NULL,

    CONSTRAINT "status_page_targets_pkey" PRIMARY KEY ("status_page_id","target_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "status_pages_slug_key" ON "status_pages"("slug");

-- CreateIndex
CREATE INDEX "status_page_targets_target_id_idx" ON "status_page_targets"("target_id");

-- AddForeignKey
ALTER TABLE "status_page_targets" ADD CONSTRAINT "status_page_targets_status_page_id_fkey" FOREIGN KEY ("status_page_id") REFERENCES "status_pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "status_page_targets" ADD CONSTRAINT "status_page_targets_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

