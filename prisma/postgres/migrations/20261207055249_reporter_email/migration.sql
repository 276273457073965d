-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "reporterEmail" TEXT;
