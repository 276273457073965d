-- CreateTable
CREATE TABLE "Instruction" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "authorUserId" TEXT NOT NULL,
    "authorName" TEXT NOT NULL,
    "departmentId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "eventId" TEXT NOT NULL,
    "mailed" BOOLEAN NOT NULL DEFAULT false,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,
    "acknowledgedByName" TEXT,
    "acknowledgeNote" TEXT,

    CONSTRAINT "Instruction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Instruction_eventId_key" ON "Instruction"("eventId");

-- CreateIndex
CREATE INDEX "Instruction_departmentId_acknowledgedAt_idx" ON "Instruction"("departmentId", "acknowledgedAt");

-- CreateIndex
CREATE INDEX "Instruction_caseId_createdAt_idx" ON "Instruction"("caseId", "createdAt");
