-- CreateTable
CREATE TABLE "Pipeline" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT,
    "ownerId" TEXT NOT NULL,
    "geometry" TEXT NOT NULL,
    "minLng" REAL NOT NULL,
    "minLat" REAL NOT NULL,
    "maxLng" REAL NOT NULL,
    "maxLat" REAL NOT NULL,
    "depthM" REAL,
    "material" TEXT,
    "diameterMm" INTEGER,
    "year" INTEGER,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Pipeline_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Pipeline_code_key" ON "Pipeline"("code");

-- CreateIndex
CREATE INDEX "Pipeline_minLng_maxLng_idx" ON "Pipeline"("minLng", "maxLng");

-- CreateIndex
CREATE INDEX "Pipeline_ownerId_idx" ON "Pipeline"("ownerId");
