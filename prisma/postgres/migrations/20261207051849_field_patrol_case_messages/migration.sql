-- CreateTable
CREATE TABLE "PatrolShift" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "clientStartedAt" TIMESTAMP(3),
    "clientEndedAt" TIMESTAMP(3),
    "distanceM" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "pointCount" INTEGER NOT NULL DEFAULT 0,
    "lastLng" DOUBLE PRECISION,
    "lastLat" DOUBLE PRECISION,
    "lastAccuracy" DOUBLE PRECISION,
    "lastAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PatrolShift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PatrolPoint" (
    "id" TEXT NOT NULL,
    "shiftId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "clientAt" TIMESTAMP(3) NOT NULL,
    "lng" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "accuracy" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "PatrolPoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseMessage" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "authorUserId" TEXT,
    "authorName" TEXT NOT NULL,
    "departmentId" TEXT,
    "body" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PatrolShift_userId_startedAt_idx" ON "PatrolShift"("userId", "startedAt");

-- CreateIndex
CREATE INDEX "PatrolShift_endedAt_lastAt_idx" ON "PatrolShift"("endedAt", "lastAt");

-- CreateIndex
CREATE INDEX "PatrolShift_startedAt_idx" ON "PatrolShift"("startedAt");

-- CreateIndex
CREATE INDEX "PatrolPoint_shiftId_at_idx" ON "PatrolPoint"("shiftId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "PatrolPoint_shiftId_clientAt_key" ON "PatrolPoint"("shiftId", "clientAt");

-- CreateIndex
CREATE UNIQUE INDEX "CaseMessage_idempotencyKey_key" ON "CaseMessage"("idempotencyKey");

-- CreateIndex
CREATE INDEX "CaseMessage_caseId_createdAt_idx" ON "CaseMessage"("caseId", "createdAt");

-- AddForeignKey
ALTER TABLE "PatrolShift" ADD CONSTRAINT "PatrolShift_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PatrolPoint" ADD CONSTRAINT "PatrolPoint_shiftId_fkey" FOREIGN KEY ("shiftId") REFERENCES "PatrolShift"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseMessage" ADD CONSTRAINT "CaseMessage_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseMessage" ADD CONSTRAINT "CaseMessage_authorUserId_fkey" FOREIGN KEY ("authorUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
