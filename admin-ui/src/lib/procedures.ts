/**
 * The procedure versions API (src/procedures, engineer H5): list procedures and their versions, read a
 * version's XML, deploy (the server lints again: 422 with errors[] names what it refused), roll back.
 * One module so the designer does not care about paths.
 */
import { api, hasRoute } from './api.ts';

export interface ProcedureVersion {
  bpmnProcessId: string;
  version: number;
  deployedAt: string;
  deployedBy?: string | null;
  checksum?: string;
}

export interface Procedure {
  bpmnProcessId: string;
  latestVersion: number;
  name?: string | null;
}

export const PROCEDURES_PATH = '/api/procedures';

/** Whether the hub serves the procedure versions API yet. */
export const proceduresAvailable = () => hasRoute(PROCEDURES_PATH);

export const listProcedures = () => api<{ items: Procedure[] }>(PROCEDURES_PATH).then((r) => r.items);

export const listVersions = (id: string) =>
  api<{ items: ProcedureVersion[] }>(`${PROCEDURES_PATH}/${encodeURIComponent(id)}/versions`).then((r) =>
    [...r.items].sort((a, b) => b.version - a.version),
  );

export const versionXml = (id: string, version: number) =>
  api<{ xml: string }>(`${PROCEDURES_PATH}/${encodeURIComponent(id)}/versions/${version}`).then((r) => r.xml);

/** Deploys the XML; resolves to the new version, or rejects with the server's problem (422 errors[]). */
export const deploy = (xml: string) =>
  api<ProcedureVersion>(PROCEDURES_PATH, { method: 'POST', body: { xml } });

export const rollback = (id: string, version: number) =>
  api<ProcedureVersion>(`${PROCEDURES_PATH}/${encodeURIComponent(id)}/rollback`, {
    method: 'POST',
    body: { version },
  });
