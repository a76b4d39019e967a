-- CreateIndex: retention finds expired pings by age (src/db/pings.ts deleteExpiredPings)
CREATE INDEX "pings_received_at_idx" ON "pings"("received_at");
