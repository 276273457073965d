-- AlterTable
ALTER TABLE "Component" ADD COLUMN "address" TEXT;
ALTER TABLE "Component" ADD COLUMN "note" TEXT;
ALTER TABLE "Component" ADD COLUMN "surveyedAt" DATETIME;

-- CreateTable
CREATE TABLE "ComponentEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "componentId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "actorUserId" TEXT,
    "actorName" TEXT NOT NULL,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "caseId" TEXT,
    "changes" JSONB,
    "note" TEXT,
    CONSTRAINT "ComponentEvent_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "Component" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ComponentEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Attachment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseId" TEXT,
    "eventId" TEXT,
    "componentId" TEXT,
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
    CONSTRAINT "Attachment_uploadedBy_fkey" FOREIGN KEY ("uploadedBy") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Attachment" ("caseId", "contentType", "createdAt", "eventId", "fileName", "id", "kind", "sha256", "size", "storagePath", "uploadedBy") SELECT "caseId", "contentType", "createdAt", "eventId", "fileName", "id", "kind", "sha256", "size", "storagePath", "uploadedBy" FROM "Attachment";
DROP TABLE "Attachment";
ALTER TABLE "new_Attachment" RENAME TO "Attachment";
CREATE INDEX "Attachment_caseId_createdAt_idx" ON "Attachment"("caseId", "createdAt");
CREATE INDEX "Attachment_eventId_idx" ON "Attachment"("eventId");
CREATE INDEX "Attachment_componentId_idx" ON "Attachment"("componentId");
CREATE INDEX "Attachment_sha256_idx" ON "Attachment"("sha256");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ComponentEvent_componentId_at_idx" ON "ComponentEvent"("componentId", "at");

-- CreateIndex
CREATE INDEX "ComponentEvent_caseId_idx" ON "ComponentEvent"("caseId");

-- CreateIndex
CREATE INDEX "Component_lng_lat_idx" ON "Component"("lng", "lat");

-- CreateIndex
CREATE INDEX "Component_status_idx" ON "Component"("status");
