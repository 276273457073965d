-- CreateTable
CREATE TABLE "CitizenDevice" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tokenHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CitizenReport" (
    "caseId" TEXT NOT NULL PRIMARY KEY,
    "deviceId" TEXT NOT NULL,
    "ipHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "satisfied" BOOLEAN,
    "ratedAt" DATETIME,
    CONSTRAINT "CitizenReport_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "CitizenDevice" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "CitizenDevice_tokenHash_key" ON "CitizenDevice"("tokenHash");

-- CreateIndex
CREATE INDEX "CitizenReport_deviceId_createdAt_idx" ON "CitizenReport"("deviceId", "createdAt");

-- CreateIndex
CREATE INDEX "CitizenReport_ipHash_createdAt_idx" ON "CitizenReport"("ipHash", "createdAt");
