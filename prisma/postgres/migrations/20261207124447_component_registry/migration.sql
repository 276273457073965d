-- CreateEnum
CREATE TYPE "ComponentEventType" AS ENUM ('created', 'updated', 'surveyed', 'case_reported', 'case_ended');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ComponentStatus" ADD VALUE 'occupied';
ALTER TYPE "ComponentStatus" ADD VALUE 'scrapped';

-- AlterTable
ALTER TABLE "Component" ADD COLUMN     "address" TEXT,
ADD COLUMN     "note" TEXT,
ADD COLUMN     "surveyedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Attachment" ADD COLUMN     "componentId" TEXT;

-- CreateTable
CREATE TABLE "ComponentEvent" (
    "id" TEXT NOT NULL,
    "componentId" TEXT NOT NULL,
    "type" "ComponentEventType" NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actorUserId" TEXT,
    "actorName" TEXT NOT NULL,
    "fromStatus" "ComponentStatus",
    "toStatus" "ComponentStatus",
    "caseId" TEXT,
    "changes" JSONB,
    "note" TEXT,

    CONSTRAINT "ComponentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ComponentEvent_componentId_at_idx" ON "ComponentEvent"("componentId", "at");

-- CreateIndex
CREATE INDEX "ComponentEvent_caseId_idx" ON "ComponentEvent"("caseId");

-- CreateIndex
CREATE INDEX "Component_lng_lat_idx" ON "Component"("lng", "lat");

-- CreateIndex
CREATE INDEX "Component_status_idx" ON "Component"("status");

-- CreateIndex
CREATE INDEX "Attachment_componentId_idx" ON "Attachment"("componentId");

-- AddForeignKey
ALTER TABLE "ComponentEvent" ADD CONSTRAINT "ComponentEvent_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "Component"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ComponentEvent" ADD CONSTRAINT "ComponentEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "Component"("id") ON DELETE CASCADE ON UPDATE CASCADE;
