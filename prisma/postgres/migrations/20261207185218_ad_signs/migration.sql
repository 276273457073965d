-- CreateEnum
CREATE TYPE "AdSignKind" AS ENUM ('shop_sign', 'billboard', 'light_box', 'screen', 'banner', 'other');

-- CreateEnum
CREATE TYPE "AdSignEventType" AS ENUM ('created', 'updated', 'imported', 'case_reported', 'permit_applied', 'permit_reviewed', 'permit_approved', 'permit_refused', 'expiry_reminded', 'permit_renewed', 'removal_ordered', 'removed');

-- CreateEnum
CREATE TYPE "AdPermitStatus" AS ENUM ('applied', 'reviewed', 'approved', 'refused', 'ended');

-- AlterTable
ALTER TABLE "Attachment" ADD COLUMN     "adSignId" TEXT;

-- CreateTable
CREATE TABLE "AdSign" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "kind" "AdSignKind" NOT NULL,
    "name" TEXT NOT NULL,
    "lng" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "address" TEXT,
    "gridCode" TEXT,
    "widthM" DOUBLE PRECISION,
    "heightM" DOUBLE PRECISION,
    "ownerName" TEXT NOT NULL,
    "ownerContact" TEXT,
    "permitNo" TEXT,
    "permitStart" TIMESTAMP(3),
    "permitEnd" TIMESTAMP(3),
    "permitConditions" TEXT,
    "removalOrderedAt" TIMESTAMP(3),
    "removedAt" TIMESTAMP(3),
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AdSign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdSignEvent" (
    "id" TEXT NOT NULL,
    "adSignId" TEXT NOT NULL,
    "type" "AdSignEventType" NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actorUserId" TEXT,
    "actorName" TEXT NOT NULL,
    "caseId" TEXT,
    "permitId" TEXT,
    "changes" JSONB,
    "note" TEXT,

    CONSTRAINT "AdSignEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdPermit" (
    "id" TEXT NOT NULL,
    "adSignId" TEXT NOT NULL,
    "renewal" BOOLEAN NOT NULL DEFAULT false,
    "status" "AdPermitStatus" NOT NULL DEFAULT 'applied',
    "applicantName" TEXT NOT NULL,
    "applicantContact" TEXT,
    "requestedStart" TIMESTAMP(3) NOT NULL,
    "requestedEnd" TIMESTAMP(3) NOT NULL,
    "reviewNote" TEXT,
    "conditions" TEXT,
    "refusalReason" TEXT,
    "permitNo" TEXT,
    "processInstanceKey" TEXT,
    "appliedAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),

    CONSTRAINT "AdPermit_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "Attachment_adSignId_idx" ON "Attachment"("adSignId");

-- AddForeignKey
ALTER TABLE "AdSign" ADD CONSTRAINT "AdSign_gridCode_fkey" FOREIGN KEY ("gridCode") REFERENCES "GridCell"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdSignEvent" ADD CONSTRAINT "AdSignEvent_adSignId_fkey" FOREIGN KEY ("adSignId") REFERENCES "AdSign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdSignEvent" ADD CONSTRAINT "AdSignEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdPermit" ADD CONSTRAINT "AdPermit_adSignId_fkey" FOREIGN KEY ("adSignId") REFERENCES "AdSign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_adSignId_fkey" FOREIGN KEY ("adSignId") REFERENCES "AdSign"("id") ON DELETE CASCADE ON UPDATE CASCADE;
