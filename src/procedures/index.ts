/** Procedures: deploying processes/ at start-up and the shared deploy step (the versions API: routes.ts). */
export { deployProcesses, PROCESSES_DIR, type DeployedProcess } from './deploy.ts';
export { deployXml, lintRefusal, checksumOf, type DeployedVersion, type DeployOutcome } from './versions.ts';
