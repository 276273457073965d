/**
 * The procedure versions API (src/procedures/routes.ts): every procedure with its versions, one
 * version's XML, deploy (the server lints again: 422 with errors[] naming each element), roll back
 * (an older version's XML deployed as a new version).
 */
import { api, hasRoute } from './api.ts';

export interface ProcedureVersion {
  version: number;
  deployedAt: string | null;
  deployedBy: { id: string; displayName: string } | null;
  inHub: boolean;
  inEngine: boolean | null;
  lintWarnings: number;
}

export interface Procedure {
  bpmnProcessId: string;
  name: string | null;
  latestVersion: number;
  /** Newest first. */
  versions: ProcedureVersion[];
}

export interface DeployResult {
  processes: { bpmnProcessId: string; version: number; created: boolean }[];
  warnings: { id: string; message: string; rule: string }[];
  rolledBackTo?: number;
}

export const PROCEDURES_PATH = '/api/procedures';
const enc = encodeURIComponent;

/** Whether the hub serves the procedure versions API. */
export const proceduresAvailable = () => hasRoute(PROCEDURES_PATH);

export const listProcedures = () => api<{ items: Procedure[] }>(PROCEDURES_PATH).then((r) => r.items);

export const versionXml = (id: string, version: number) =>
  api<{ xml: string }>(`${PROCEDURES_PATH}/${enc(id)}/versions/${version}`).then((r) => r.xml);

/** Deploys the XML; rejects with the server's problem (422 errors[] when lint refuses it). */
export const deploy = (xml: string) =>
  api<DeployResult>(`${PROCEDURES_PATH}/deployments`, { method: 'POST', body: { xml } });

export const rollback = (id: string, version: number) =>
  api<DeployResult>(`${PROCEDURES_PATH}/${enc(id)}/versions/${version}/rollback`, { method: 'POST' });
