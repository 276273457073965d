-- CreateTable
CREATE TABLE "Category" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "majorCode" TEXT NOT NULL,
    "majorName" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "defaultDepartmentId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Category_defaultDepartmentId_fkey" FOREIGN KEY ("defaultDepartmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CategoryLimit" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "categoryId" TEXT NOT NULL,
    "urgency" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "limitMinutes" INTEGER NOT NULL,
    "timeMode" TEXT NOT NULL DEFAULT 'working',
    "source" TEXT,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "CategoryLimit_categoryId_fkey" FOREIGN KEY ("categoryId") REFERENCES "Category" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "GridCell" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "code" TEXT NOT NULL,
    "street" TEXT NOT NULL,
    "community" TEXT NOT NULL,
    "areaClass" INTEGER NOT NULL DEFAULT 1,
    "geometry" TEXT NOT NULL,
    "minLng" REAL NOT NULL,
    "minLat" REAL NOT NULL,
    "maxLng" REAL NOT NULL,
    "maxLat" REAL NOT NULL,
    "supervisorUserId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "GridCell_supervisorUserId_fkey" FOREIGN KEY ("supervisorUserId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Component" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "code" TEXT NOT NULL,
    "categoryCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "lng" REAL NOT NULL,
    "lat" REAL NOT NULL,
    "gridCode" TEXT,
    "departmentId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'normal',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Component_gridCode_fkey" FOREIGN KEY ("gridCode") REFERENCES "GridCell" ("code") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Component_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Case" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseNo" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "sourceRef" TEXT,
    "idempotencyKey" TEXT,
    "categoryKind" TEXT NOT NULL DEFAULT 'event',
    "categoryCode" TEXT NOT NULL,
    "urgency" TEXT NOT NULL DEFAULT 'normal',
    "status" TEXT NOT NULL DEFAULT 'reported',
    "description" TEXT NOT NULL,
    "address" TEXT,
    "lng" REAL,
    "lat" REAL,
    "gridCode" TEXT,
    "componentId" TEXT,
    "reporterName" TEXT,
    "reporterPhone" TEXT,
    "reporterUserId" TEXT,
    "departmentId" TEXT,
    "subCenterId" TEXT,
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "processInstanceKey" TEXT,
    "mergedIntoId" TEXT,
    "acceptDeadline" DATETIME,
    "verifyDeadline" DATETIME,
    "registerDeadline" DATETIME,
    "dispatchDeadline" DATETIME,
    "signDeadline" DATETIME,
    "disposeDeadline" DATETIME,
    "checkDeadline" DATETIME,
    "reportedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acceptedAt" DATETIME,
    "verifiedAt" DATETIME,
    "registeredAt" DATETIME,
    "dispatchedAt" DATETIME,
    "signedAt" DATETIME,
    "disposedAt" DATETIME,
    "checkedAt" DATETIME,
    "closedAt" DATETIME,
    "voidedAt" DATETIME,
    "suspendedAt" DATETIME,
    "callbackAt" DATETIME,
    "callbackSatisfied" BOOLEAN,
    "reworkCount" INTEGER NOT NULL DEFAULT 0,
    "extensionCount" INTEGER NOT NULL DEFAULT 0,
    "returnCount" INTEGER NOT NULL DEFAULT 0,
    "dispatchCount" INTEGER NOT NULL DEFAULT 0,
    "suspendedMinutes" INTEGER NOT NULL DEFAULT 0,
    "voidReason" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Case_categoryKind_categoryCode_fkey" FOREIGN KEY ("categoryKind", "categoryCode") REFERENCES "Category" ("kind", "code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Case_gridCode_fkey" FOREIGN KEY ("gridCode") REFERENCES "GridCell" ("code") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "Component" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_reporterUserId_fkey" FOREIGN KEY ("reporterUserId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_subCenterId_fkey" FOREIGN KEY ("subCenterId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_mergedIntoId_fkey" FOREIGN KEY ("mergedIntoId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CaseEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseId" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "actorUserId" TEXT,
    "actorName" TEXT,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "departmentId" TEXT,
    "note" TEXT,
    "data" JSONB,
    "dedupeKey" TEXT,
    CONSTRAINT "CaseEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CaseEvent_actorUserId_fkey" FOREIGN KEY ("actorUserId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "CaseEvent_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "caseId" TEXT,
    "eventId" TEXT,
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
    CONSTRAINT "Attachment_uploadedBy_fkey" FOREIGN KEY ("uploadedBy") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Counter" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "value" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "ProcessVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "bpmnProcessId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "xml" TEXT NOT NULL,
    "resourceName" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "engineKey" TEXT,
    "deployedBy" TEXT,
    "deployedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lint" JSONB,
    CONSTRAINT "ProcessVersion_deployedBy_fkey" FOREIGN KEY ("deployedBy") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "InboxEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "adapter" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'received',
    "caseId" TEXT,
    "error" TEXT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "InboxEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "adapter" TEXT NOT NULL,
    "caseId" TEXT,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "dedupeKey" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" DATETIME,
    CONSTRAINT "OutboxMessage_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Cursor" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "adapter" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Category_kind_majorCode_idx" ON "Category"("kind", "majorCode");

-- CreateIndex
CREATE INDEX "Category_defaultDepartmentId_idx" ON "Category"("defaultDepartmentId");

-- CreateIndex
CREATE UNIQUE INDEX "Category_kind_code_key" ON "Category"("kind", "code");

-- CreateIndex
CREATE UNIQUE INDEX "CategoryLimit_categoryId_urgency_step_key" ON "CategoryLimit"("categoryId", "urgency", "step");

-- CreateIndex
CREATE UNIQUE INDEX "GridCell_code_key" ON "GridCell"("code");

-- CreateIndex
CREATE INDEX "GridCell_minLng_maxLng_minLat_maxLat_idx" ON "GridCell"("minLng", "maxLng", "minLat", "maxLat");

-- CreateIndex
CREATE INDEX "GridCell_street_community_idx" ON "GridCell"("street", "community");

-- CreateIndex
CREATE INDEX "GridCell_supervisorUserId_idx" ON "GridCell"("supervisorUserId");

-- CreateIndex
CREATE UNIQUE INDEX "Component_code_key" ON "Component"("code");

-- CreateIndex
CREATE INDEX "Component_categoryCode_idx" ON "Component"("categoryCode");

-- CreateIndex
CREATE INDEX "Component_gridCode_idx" ON "Component"("gridCode");

-- CreateIndex
CREATE INDEX "Component_departmentId_idx" ON "Component"("departmentId");

-- CreateIndex
CREATE UNIQUE INDEX "Case_caseNo_key" ON "Case"("caseNo");

-- CreateIndex
CREATE UNIQUE INDEX "Case_idempotencyKey_key" ON "Case"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Case_status_reportedAt_idx" ON "Case"("status", "reportedAt");

-- CreateIndex
CREATE INDEX "Case_categoryKind_categoryCode_reportedAt_idx" ON "Case"("categoryKind", "categoryCode", "reportedAt");

-- CreateIndex
CREATE INDEX "Case_departmentId_status_idx" ON "Case"("departmentId", "status");

-- CreateIndex
CREATE INDEX "Case_subCenterId_status_idx" ON "Case"("subCenterId", "status");

-- CreateIndex
CREATE INDEX "Case_gridCode_reportedAt_idx" ON "Case"("gridCode", "reportedAt");

-- CreateIndex
CREATE INDEX "Case_source_reportedAt_idx" ON "Case"("source", "reportedAt");

-- CreateIndex
CREATE INDEX "Case_reportedAt_idx" ON "Case"("reportedAt");

-- CreateIndex
CREATE INDEX "Case_closedAt_idx" ON "Case"("closedAt");

-- CreateIndex
CREATE INDEX "Case_status_disposeDeadline_idx" ON "Case"("status", "disposeDeadline");

-- CreateIndex
CREATE INDEX "Case_status_signDeadline_idx" ON "Case"("status", "signDeadline");

-- CreateIndex
CREATE INDEX "Case_processInstanceKey_idx" ON "Case"("processInstanceKey");

-- CreateIndex
CREATE INDEX "Case_reporterUserId_idx" ON "Case"("reporterUserId");

-- CreateIndex
CREATE INDEX "Case_componentId_idx" ON "Case"("componentId");

-- CreateIndex
CREATE INDEX "Case_mergedIntoId_idx" ON "Case"("mergedIntoId");

-- CreateIndex
CREATE UNIQUE INDEX "Case_source_sourceRef_key" ON "Case"("source", "sourceRef");

-- CreateIndex
CREATE UNIQUE INDEX "CaseEvent_dedupeKey_key" ON "CaseEvent"("dedupeKey");

-- CreateIndex
CREATE INDEX "CaseEvent_caseId_at_idx" ON "CaseEvent"("caseId", "at");

-- CreateIndex
CREATE INDEX "CaseEvent_type_at_idx" ON "CaseEvent"("type", "at");

-- CreateIndex
CREATE INDEX "CaseEvent_departmentId_at_idx" ON "CaseEvent"("departmentId", "at");

-- CreateIndex
CREATE INDEX "CaseEvent_actorUserId_at_idx" ON "CaseEvent"("actorUserId", "at");

-- CreateIndex
CREATE INDEX "Attachment_caseId_createdAt_idx" ON "Attachment"("caseId", "createdAt");

-- CreateIndex
CREATE INDEX "Attachment_eventId_idx" ON "Attachment"("eventId");

-- CreateIndex
CREATE INDEX "Attachment_sha256_idx" ON "Attachment"("sha256");

-- CreateIndex
CREATE INDEX "ProcessVersion_checksum_idx" ON "ProcessVersion"("checksum");

-- CreateIndex
CREATE UNIQUE INDEX "ProcessVersion_bpmnProcessId_version_key" ON "ProcessVersion"("bpmnProcessId", "version");

-- CreateIndex
CREATE INDEX "InboxEvent_adapter_status_receivedAt_idx" ON "InboxEvent"("adapter", "status", "receivedAt");

-- CreateIndex
CREATE INDEX "InboxEvent_caseId_idx" ON "InboxEvent"("caseId");

-- CreateIndex
CREATE UNIQUE INDEX "InboxEvent_adapter_sourceId_key" ON "InboxEvent"("adapter", "sourceId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_dedupeKey_key" ON "OutboxMessage"("dedupeKey");

-- CreateIndex
CREATE INDEX "OutboxMessage_status_nextAttemptAt_idx" ON "OutboxMessage"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_adapter_status_nextAttemptAt_idx" ON "OutboxMessage"("adapter", "status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_caseId_createdAt_idx" ON "OutboxMessage"("caseId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Cursor_adapter_name_key" ON "Cursor"("adapter", "name");
