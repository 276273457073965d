-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "count" INTEGER NOT NULL,
    "windowStartMs" BIGINT NOT NULL
);

-- CreateIndex
CREATE INDEX "LoginThrottle_windowStartMs_idx" ON "LoginThrottle"("windowStartMs");
