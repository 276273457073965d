-- CreateTable
CREATE TABLE "ParkingLot" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "area" TEXT NOT NULL,
    "street" TEXT,
    "lng" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "capacity" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "occupied" INTEGER NOT NULL DEFAULT 0,
    "feedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ParkingLot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ParkingPlate" (
    "id" TEXT NOT NULL,
    "lotId" TEXT NOT NULL,
    "plate" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ParkingPlate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ParkingOccupancy" (
    "id" TEXT NOT NULL,
    "lotId" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "free" INTEGER,
    "minFree" INTEGER,
    "maxFree" INTEGER,
    "entries" INTEGER NOT NULL DEFAULT 0,
    "exits" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ParkingOccupancy_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ParkingLot_code_key" ON "ParkingLot"("code");

-- CreateIndex
CREATE INDEX "ParkingLot_area_idx" ON "ParkingLot"("area");

-- CreateIndex
CREATE INDEX "ParkingPlate_at_idx" ON "ParkingPlate"("at");

-- CreateIndex
CREATE UNIQUE INDEX "ParkingPlate_lotId_plate_key" ON "ParkingPlate"("lotId", "plate");

-- CreateIndex
CREATE INDEX "ParkingOccupancy_bucket_idx" ON "ParkingOccupancy"("bucket");

-- CreateIndex
CREATE UNIQUE INDEX "ParkingOccupancy_lotId_bucket_key" ON "ParkingOccupancy"("lotId", "bucket");

-- AddForeignKey
ALTER TABLE "ParkingPlate" ADD CONSTRAINT "ParkingPlate_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "ParkingLot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ParkingOccupancy" ADD CONSTRAINT "ParkingOccupancy_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "ParkingLot"("id") ON DELETE CASCADE ON UPDATE CASCADE;
