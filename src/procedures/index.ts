/** Procedures: deploying processes/ at start-up, the versions API, and the shared deploy step. */
export { deployProcesses, PROCESSES_DIR, type DeployedProcess } from './deploy.ts';
export { procedureRoutes, MAX_BPMN_CHARS, type ProcedureDeps } from './routes.ts';
export { deployXml, lintRefusal, checksumOf, type DeployedVersion, type DeployOutcome } from './versions.ts';
