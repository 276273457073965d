-- AlterTable
ALTER TABLE "Case" ADD COLUMN "geocodeConfidence" REAL;
ALTER TABLE "Case" ADD COLUMN "geocodeMatch" TEXT;
ALTER TABLE "Case" ADD COLUMN "locationRepairAt" DATETIME;
ALTER TABLE "Case" ADD COLUMN "locationRepairNote" TEXT;

-- CreateTable
CREATE TABLE "GeoFeature" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "aliases" TEXT NOT NULL DEFAULT '',
    "category" TEXT,
    "geometry" TEXT NOT NULL,
    "minLng" REAL NOT NULL,
    "minLat" REAL NOT NULL,
    "maxLng" REAL NOT NULL,
    "maxLat" REAL NOT NULL,
    "parentId" TEXT,
    "number" INTEGER,
    "numberFrom" INTEGER,
    "numberTo" INTEGER,
    "code" TEXT,
    "street" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "GeoFeature_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "GeoFeature" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "GeoFeature_kind_name_idx" ON "GeoFeature"("kind", "name");

-- CreateIndex
CREATE INDEX "GeoFeature_minLng_maxLng_minLat_maxLat_idx" ON "GeoFeature"("minLng", "maxLng", "minLat", "maxLat");

-- CreateIndex
CREATE INDEX "GeoFeature_parentId_number_idx" ON "GeoFeature"("parentId", "number");

-- CreateIndex
CREATE INDEX "Case_locationRepairAt_idx" ON "Case"("locationRepairAt");
