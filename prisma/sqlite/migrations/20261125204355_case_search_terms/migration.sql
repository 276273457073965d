-- CreateTable
CREATE TABLE "CaseSearchTerm" (
    "term" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("term", "caseId"),
    CONSTRAINT "CaseSearchTerm_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "CaseSearchTerm_term_createdAt_caseId_idx" ON "CaseSearchTerm"("term", "createdAt", "caseId");

-- CreateIndex
CREATE INDEX "CaseSearchTerm_caseId_idx" ON "CaseSearchTerm"("caseId");
