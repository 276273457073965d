-- DropIndex
DROP INDEX "Case_locationRepairAt_idx";

-- CreateIndex
CREATE INDEX "Case_status_mergedIntoId_locationRepairAt_verifiedAt_id_idx" ON "Case"("status", "mergedIntoId", "locationRepairAt", "verifiedAt", "id");

-- CreateIndex
CREATE INDEX "Case_status_source_closedAt_callbackAt_id_idx" ON "Case"("status", "source", "closedAt", "callbackAt", "id");

-- CreateIndex
CREATE INDEX "Case_status_lng_lat_idx" ON "Case"("status", "lng", "lat");

-- CreateIndex
CREATE INDEX "Case_locationRepairAt_status_id_idx" ON "Case"("locationRepairAt", "status", "id");
