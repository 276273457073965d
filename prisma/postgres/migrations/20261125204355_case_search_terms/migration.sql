-- CreateTable
CREATE TABLE "CaseSearchTerm" (
    "term" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CaseSearchTerm_pkey" PRIMARY KEY ("term","caseId")
);

-- CreateIndex
CREATE INDEX "CaseSearchTerm_term_createdAt_caseId_idx" ON "CaseSearchTerm"("term", "createdAt", "caseId");

-- CreateIndex
CREATE INDEX "CaseSearchTerm_caseId_idx" ON "CaseSearchTerm"("caseId");

-- AddForeignKey
ALTER TABLE "CaseSearchTerm" ADD CONSTRAINT "CaseSearchTerm_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;
