-- CreateEnum
CREATE TYPE "GeoFeatureKind" AS ENUM ('road', 'community', 'estate', 'poi', 'door');

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "geocodeConfidence" DOUBLE PRECISION,
ADD COLUMN     "geocodeMatch" TEXT,
ADD COLUMN     "locationRepairAt" TIMESTAMP(3),
ADD COLUMN     "locationRepairNote" TEXT;

-- CreateTable
CREATE TABLE "GeoFeature" (
    "id" TEXT NOT NULL,
    "kind" "GeoFeatureKind" NOT NULL,
    "name" TEXT NOT NULL,
    "aliases" TEXT NOT NULL DEFAULT '',
    "category" TEXT,
    "geometry" TEXT NOT NULL,
    "minLng" DOUBLE PRECISION NOT NULL,
    "minLat" DOUBLE PRECISION NOT NULL,
    "maxLng" DOUBLE PRECISION NOT NULL,
    "maxLat" DOUBLE PRECISION NOT NULL,
    "parentId" TEXT,
    "number" INTEGER,
    "numberFrom" INTEGER,
    "numberTo" INTEGER,
    "code" TEXT,
    "street" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GeoFeature_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GeoFeature_kind_name_idx" ON "GeoFeature"("kind", "name");

-- CreateIndex
CREATE INDEX "GeoFeature_minLng_maxLng_minLat_maxLat_idx" ON "GeoFeature"("minLng", "maxLng", "minLat", "maxLat");

-- CreateIndex
CREATE INDEX "GeoFeature_parentId_number_idx" ON "GeoFeature"("parentId", "number");

-- CreateIndex
CREATE INDEX "Case_locationRepairAt_idx" ON "Case"("locationRepairAt");

-- AddForeignKey
ALTER TABLE "GeoFeature" ADD CONSTRAINT "GeoFeature_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "GeoFeature"("id") ON DELETE CASCADE ON UPDATE CASCADE;
