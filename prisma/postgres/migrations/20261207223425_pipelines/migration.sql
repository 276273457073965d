-- CreateEnum
CREATE TYPE "PipelineKind" AS ENUM ('water', 'drainage', 'gas', 'power', 'telecom', 'heat');

-- CreateTable
CREATE TABLE "Pipeline" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "kind" "PipelineKind" NOT NULL,
    "name" TEXT,
    "ownerId" TEXT NOT NULL,
    "geometry" TEXT NOT NULL,
    "minLng" DOUBLE PRECISION NOT NULL,
    "minLat" DOUBLE PRECISION NOT NULL,
    "maxLng" DOUBLE PRECISION NOT NULL,
    "maxLat" DOUBLE PRECISION NOT NULL,
    "depthM" DOUBLE PRECISION,
    "material" TEXT,
    "diameterMm" INTEGER,
    "year" INTEGER,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Pipeline_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Pipeline_code_key" ON "Pipeline"("code");

-- CreateIndex
CREATE INDEX "Pipeline_minLng_maxLng_idx" ON "Pipeline"("minLng", "maxLng");

-- CreateIndex
CREATE INDEX "Pipeline_ownerId_idx" ON "Pipeline"("ownerId");

-- AddForeignKey
ALTER TABLE "Pipeline" ADD CONSTRAINT "Pipeline_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
