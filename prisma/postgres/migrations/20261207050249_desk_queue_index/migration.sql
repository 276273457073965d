-- CreateIndex
CREATE INDEX "Case_status_urgency_reportedAt_idx" ON "Case"("status", "urgency", "reportedAt");
