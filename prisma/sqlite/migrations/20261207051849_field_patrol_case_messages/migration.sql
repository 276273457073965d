-- CreateTable
CREATE TABLE "PatrolShift" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "clientStartedAt" DATETIME,
    "clientEndedAt" DATETIME,
    "distanceM" REAL NOT NULL DEFAULT 0,
    "pointCount" INTEGER NOT NULL DEFAULT 0,
    "lastLng" REAL,
    "lastLat" REAL,
    "lastAccuracy" REAL,
    "lastAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "PatrolShift_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PatrolPoint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shiftId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "clientAt" DATETIME NOT NULL,
    "lng" REAL NOT NULL,
    "lat" REAL NOT NULL,
    "accuracy" REAL NOT NULL,
    CONSTRAINT "PatrolPoint_shiftId_fkey" FOREIGN KEY ("shiftId") REFERENCES "PatrolShift" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CaseMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseId" TEXT NOT NULL,
    "authorUserId" TEXT,
    "authorName" TEXT NOT NULL,
    "departmentId" TEXT,
    "body" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CaseMessage_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CaseMessage_authorUserId_fkey" FOREIGN KEY ("authorUserId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
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
