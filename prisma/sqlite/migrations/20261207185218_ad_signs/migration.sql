-- CreateTable
CREATE TABLE "AdSign" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "lng" REAL NOT NULL,
    "lat" REAL NOT NULL,
    "address" TEXT,
    "gridCode" TEXT,
    "widthM" REAL,
    "heightM" REAL,
    "ownerName" TEXT NOT NULL,
    "ownerContact" TEXT,
    "permitNo" TEXT,
    "permitStart" DATETIME,
    "permitEnd" DATETIME,
    "permitConditions" TEXT,
    "removalOrderedAt" DATETIME,
    "removedAt" DATETIME,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AdSign_gridCode_fkey" FOREIGN KEY ("gridCode") REFERENCES "GridCell" ("code") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AdSignEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "adSignId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "actorUserId" TEXT,
    "actorName" TEXT NOT NULL,
    "caseId" TEXT,
    "permitId" TEXT,
    "changes" JSONB,
    "note" TEXT,
    CONSTRAINT "AdSignEvent_adSignId_fkey" FOREIGN KEY ("adSignId") REFERENCES "AdSign" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AdSignEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AdPermit" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "adSignId" TEXT NOT NULL,
    "renewal" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'applied',
    "applicantName" TEXT NOT NULL,
    "applicantContact" TEXT,
    "requestedStart" DATETIME NOT NULL,
    "requestedEnd" DATETIME NOT NULL,
    "reviewNote" TEXT,
    "conditions" TEXT,
    "refusalReason" TEXT,
    "permitNo" TEXT,
    "processInstanceKey" TEXT,
    "appliedAt" DATETIME NOT NULL,
    "decidedAt" DATETIME,
    CONSTRAINT "AdPermit_adSignId_fkey" FOREIGN KEY ("adSignId") REFERENCES "AdSign" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Attachment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseId" TEXT,
    "eventId" TEXT,
    "componentId" TEXT,
    "adSignId" TEXT,
    "kind" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storagePath" TEXT NOT NULL,
    "uploadedBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Attachment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Attachment_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "CaseEvent" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Attachment_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "Component" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Attachment_adSignId_fkey" FOREIGN KEY ("adSignId") REFERENCES "AdSign" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Attachment_uploadedBy_fkey" FOREIGN KEY ("uploadedBy") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Attachment" ("caseId", "componentId", "contentType", "createdAt", "eventId", "fileName", "id", "kind", "sha256", "size", "storagePath", "uploadedBy") SELECT "caseId", "componentId", "contentType", "createdAt", "eventId", "fileName", "id", "kind", "sha256", "size", "storagePath", "uploadedBy" FROM "Attachment";
DROP TABLE "Attachment";
ALTER TABLE "new_Attachment" RENAME TO "Attachment";
CREATE INDEX "Attachment_caseId_createdAt_idx" ON "Attachment"("caseId", "createdAt");
CREATE INDEX "Attachment_eventId_idx" ON "Attachment"("eventId");
CREATE INDEX "Attachment_componentId_idx" ON "Attachment"("componentId");
CREATE INDEX "Attachment_adSignId_idx" ON "Attachment"("adSignId");
CREATE INDEX "Attachment_sha256_idx" ON "Attachment"("sha256");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "AdSign_code_key" ON "AdSign"("code");

-- CreateIndex
CREATE INDEX "AdSign_lng_lat_idx" ON "AdSign"("lng", "lat");

-- CreateIndex
CREATE INDEX "AdSign_permitEnd_idx" ON "AdSign"("permitEnd");

-- CreateIndex
CREATE INDEX "AdSign_gridCode_idx" ON "AdSign"("gridCode");

-- CreateIndex
CREATE INDEX "AdSignEvent_adSignId_at_idx" ON "AdSignEvent"("adSignId", "at");

-- CreateIndex
CREATE INDEX "AdSignEvent_caseId_idx" ON "AdSignEvent"("caseId");

-- CreateIndex
CREATE UNIQUE INDEX "AdPermit_permitNo_key" ON "AdPermit"("permitNo");

-- CreateIndex
CREATE INDEX "AdPermit_adSignId_appliedAt_idx" ON "AdPermit"("adSignId", "appliedAt");

-- CreateIndex
CREATE INDEX "AdPermit_status_idx" ON "AdPermit"("status");
