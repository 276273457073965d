-- CreateTable
CREATE TABLE "Instruction" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "authorUserId" TEXT NOT NULL,
    "authorName" TEXT NOT NULL,
    "departmentId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "eventId" TEXT NOT NULL,
    "mailed" BOOLEAN NOT NULL DEFAULT false,
    "acknowledgedAt" DATETIME,
    "acknowledgedBy" TEXT,
    "acknowledgedByName" TEXT,
    "acknowledgeNote" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "Instruction_eventId_key" ON "Instruction"("eventId");

-- CreateIndex
CREATE INDEX "Instruction_departmentId_acknowledgedAt_idx" ON "Instruction"("departmentId", "acknowledgedAt");

-- CreateIndex
CREATE INDEX "Instruction_caseId_createdAt_idx" ON "Instruction"("caseId", "createdAt");
