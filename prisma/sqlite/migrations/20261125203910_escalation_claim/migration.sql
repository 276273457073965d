-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN "claimedAt" DATETIME;
ALTER TABLE "Escalation" ADD COLUMN "claimedBy" TEXT;
ALTER TABLE "Escalation" ADD COLUMN "decisionNote" TEXT;
