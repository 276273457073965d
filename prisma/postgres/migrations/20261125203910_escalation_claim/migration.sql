-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN     "claimedAt" TIMESTAMP(3),
ADD COLUMN     "claimedBy" TEXT,
ADD COLUMN     "decisionNote" TEXT;
