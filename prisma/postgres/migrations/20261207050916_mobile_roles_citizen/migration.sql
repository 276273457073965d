-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'law_enforcement';

-- CreateTable
CREATE TABLE "CitizenDevice" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CitizenDevice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CitizenReport" (
    "caseId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "ipHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "satisfied" BOOLEAN,
    "ratedAt" TIMESTAMP(3),

    CONSTRAINT "CitizenReport_pkey" PRIMARY KEY ("caseId")
);

-- CreateIndex
CREATE UNIQUE INDEX "CitizenDevice_tokenHash_key" ON "CitizenDevice"("tokenHash");

-- CreateIndex
CREATE INDEX "CitizenReport_deviceId_createdAt_idx" ON "CitizenReport"("deviceId", "createdAt");

-- CreateIndex
CREATE INDEX "CitizenReport_ipHash_createdAt_idx" ON "CitizenReport"("ipHash", "createdAt");

-- AddForeignKey
ALTER TABLE "CitizenReport" ADD CONSTRAINT "CitizenReport_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "CitizenDevice"("id") ON DELETE CASCADE ON UPDATE CASCADE;
