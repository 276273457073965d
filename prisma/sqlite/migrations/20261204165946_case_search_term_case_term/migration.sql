-- DropIndex
DROP INDEX "CaseSearchTerm_caseId_idx";

-- CreateIndex
CREATE INDEX "CaseSearchTerm_caseId_term_idx" ON "CaseSearchTerm"("caseId", "term");
