-- CreateEnum
CREATE TYPE "CategoryKind" AS ENUM ('event', 'component');

-- CreateEnum
CREATE TYPE "Urgency" AS ENUM ('normal', 'urgent', 'critical');

-- CreateEnum
CREATE TYPE "CaseStep" AS ENUM ('accept', 'verify', 'register', 'dispatch', 'sign', 'dispose', 'check');

-- CreateEnum
CREATE TYPE "TimeMode" AS ENUM ('working', 'natural');

-- CreateEnum
CREATE TYPE "ComponentStatus" AS ENUM ('normal', 'damaged', 'missing', 'removed');

-- CreateEnum
CREATE TYPE "CaseSource" AS ENUM ('supervisor', 'hotline', 'public', 'video', 'sanitation', 'utility', 'open311', 'other');

-- CreateEnum
CREATE TYPE "CaseStatus" AS ENUM ('reported', 'accepted', 'verifying', 'registered', 'dispatched', 'signed', 'disposed', 'checking', 'closed', 'voided', 'suspended');

-- CreateEnum
CREATE TYPE "InboxStatus" AS ENUM ('received', 'processed', 'ignored', 'failed');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('pending', 'delivered', 'dead');

-- CreateTable
CREATE TABLE "Category" (
    "id" TEXT NOT NULL,
    "kind" "CategoryKind" NOT NULL,
    "code" TEXT NOT NULL,
    "majorCode" TEXT NOT NULL,
    "majorName" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "defaultDepartmentId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Category_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CategoryLimit" (
    "id" TEXT NOT NULL,
    "categoryId" TEXT NOT NULL,
    "urgency" "Urgency" NOT NULL,
    "step" "CaseStep" NOT NULL,
    "limitMinutes" INTEGER NOT NULL,
    "timeMode" "TimeMode" NOT NULL DEFAULT 'working',
    "source" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CategoryLimit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GridCell" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "street" TEXT NOT NULL,
    "community" TEXT NOT NULL,
    "areaClass" INTEGER NOT NULL DEFAULT 1,
    "geometry" TEXT NOT NULL,
    "minLng" DOUBLE PRECISION NOT NULL,
    "minLat" DOUBLE PRECISION NOT NULL,
    "maxLng" DOUBLE PRECISION NOT NULL,
    "maxLat" DOUBLE PRECISION NOT NULL,
    "supervisorUserId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GridCell_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Component" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "categoryCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "lng" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "gridCode" TEXT,
    "departmentId" TEXT,
    "status" "ComponentStatus" NOT NULL DEFAULT 'normal',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Component_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Case" (
    "id" TEXT NOT NULL,
    "caseNo" TEXT NOT NULL,
    "source" "CaseSource" NOT NULL,
    "sourceRef" TEXT,
    "idempotencyKey" TEXT,
    "categoryKind" "CategoryKind" NOT NULL DEFAULT 'event',
    "categoryCode" TEXT NOT NULL,
    "urgency" "Urgency" NOT NULL DEFAULT 'normal',
    "status" "CaseStatus" NOT NULL DEFAULT 'reported',
    "description" TEXT NOT NULL,
    "address" TEXT,
    "lng" DOUBLE PRECISION,
    "lat" DOUBLE PRECISION,
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
    "acceptDeadline" TIMESTAMP(3),
    "verifyDeadline" TIMESTAMP(3),
    "registerDeadline" TIMESTAMP(3),
    "dispatchDeadline" TIMESTAMP(3),
    "signDeadline" TIMESTAMP(3),
    "disposeDeadline" TIMESTAMP(3),
    "checkDeadline" TIMESTAMP(3),
    "reportedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acceptedAt" TIMESTAMP(3),
    "verifiedAt" TIMESTAMP(3),
    "registeredAt" TIMESTAMP(3),
    "dispatchedAt" TIMESTAMP(3),
    "signedAt" TIMESTAMP(3),
    "disposedAt" TIMESTAMP(3),
    "checkedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "voidedAt" TIMESTAMP(3),
    "suspendedAt" TIMESTAMP(3),
    "callbackAt" TIMESTAMP(3),
    "callbackSatisfied" BOOLEAN,
    "reworkCount" INTEGER NOT NULL DEFAULT 0,
    "extensionCount" INTEGER NOT NULL DEFAULT 0,
    "returnCount" INTEGER NOT NULL DEFAULT 0,
    "dispatchCount" INTEGER NOT NULL DEFAULT 0,
    "suspendedMinutes" INTEGER NOT NULL DEFAULT 0,
    "voidReason" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseEvent" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "actorUserId" TEXT,
    "actorName" TEXT,
    "fromStatus" "CaseStatus",
    "toStatus" "CaseStatus",
    "departmentId" TEXT,
    "note" TEXT,
    "data" JSONB,
    "dedupeKey" TEXT,

    CONSTRAINT "CaseEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" TEXT NOT NULL,
    "caseId" TEXT,
    "eventId" TEXT,
    "kind" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storagePath" TEXT NOT NULL,
    "uploadedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Attachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Counter" (
    "name" TEXT NOT NULL,
    "value" INTEGER NOT NULL,

    CONSTRAINT "Counter_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "ProcessVersion" (
    "id" TEXT NOT NULL,
    "bpmnProcessId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "xml" TEXT NOT NULL,
    "resourceName" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "engineKey" TEXT,
    "deployedBy" TEXT,
    "deployedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lint" JSONB,

    CONSTRAINT "ProcessVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboxEvent" (
    "id" TEXT NOT NULL,
    "adapter" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "InboxStatus" NOT NULL DEFAULT 'received',
    "caseId" TEXT,
    "error" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL,
    "adapter" TEXT NOT NULL,
    "caseId" TEXT,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "OutboxStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cursor" (
    "id" TEXT NOT NULL,
    "adapter" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cursor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Lease_pkey" PRIMARY KEY ("name")
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

-- AddForeignKey
ALTER TABLE "Category" ADD CONSTRAINT "Category_defaultDepartmentId_fkey" FOREIGN KEY ("defaultDepartmentId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CategoryLimit" ADD CONSTRAINT "CategoryLimit_categoryId_fkey" FOREIGN KEY ("categoryId") REFERENCES "Category"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GridCell" ADD CONSTRAINT "GridCell_supervisorUserId_fkey" FOREIGN KEY ("supervisorUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Component" ADD CONSTRAINT "Component_gridCode_fkey" FOREIGN KEY ("gridCode") REFERENCES "GridCell"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Component" ADD CONSTRAINT "Component_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_categoryKind_categoryCode_fkey" FOREIGN KEY ("categoryKind", "categoryCode") REFERENCES "Category"("kind", "code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_gridCode_fkey" FOREIGN KEY ("gridCode") REFERENCES "GridCell"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "Component"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_reporterUserId_fkey" FOREIGN KEY ("reporterUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_subCenterId_fkey" FOREIGN KEY ("subCenterId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_mergedIntoId_fkey" FOREIGN KEY ("mergedIntoId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseEvent" ADD CONSTRAINT "CaseEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseEvent" ADD CONSTRAINT "CaseEvent_actorUserId_fkey" FOREIGN KEY ("actorUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseEvent" ADD CONSTRAINT "CaseEvent_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "CaseEvent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_uploadedBy_fkey" FOREIGN KEY ("uploadedBy") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProcessVersion" ADD CONSTRAINT "ProcessVersion_deployedBy_fkey" FOREIGN KEY ("deployedBy") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboxEvent" ADD CONSTRAINT "InboxEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboxMessage" ADD CONSTRAINT "OutboxMessage_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;
