-- CreateTable
CREATE TABLE "StatDaily" (
    "dimension" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "reported" INTEGER NOT NULL,
    "voided" INTEGER NOT NULL,
    "registered" INTEGER NOT NULL,
    "suspended" INTEGER NOT NULL,
    "disposed" INTEGER NOT NULL,
    "disposedOnTime" INTEGER NOT NULL,
    "closed" INTEGER NOT NULL,
    "closedOnTime" INTEGER NOT NULL,
    "handled" INTEGER NOT NULL,
    "handledMinutes" DOUBLE PRECISION NOT NULL,
    "rated" INTEGER NOT NULL,
    "satisfied" INTEGER NOT NULL,
    "rework" INTEGER NOT NULL,

    CONSTRAINT "StatDaily_pkey" PRIMARY KEY ("dimension","day","key")
);

-- CreateIndex
CREATE INDEX "Case_updatedAt_idx" ON "Case"("updatedAt");
