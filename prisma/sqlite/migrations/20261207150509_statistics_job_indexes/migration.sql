-- DropIndex
DROP INDEX "Case_status_disposeDeadline_idx";

-- DropIndex
DROP INDEX "Case_status_signDeadline_idx";

-- CreateTable
CREATE TABLE "StatStale" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reportedAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "Case_status_verifyDeadline_departmentId_idx" ON "Case"("status", "verifyDeadline", "departmentId");

-- CreateIndex
CREATE INDEX "Case_status_signDeadline_departmentId_idx" ON "Case"("status", "signDeadline", "departmentId");

-- CreateIndex
CREATE INDEX "Case_status_disposeDeadline_departmentId_idx" ON "Case"("status", "disposeDeadline", "departmentId");

-- CreateIndex
CREATE INDEX "Case_status_checkDeadline_departmentId_idx" ON "Case"("status", "checkDeadline", "departmentId");
