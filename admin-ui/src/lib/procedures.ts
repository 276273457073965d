/**
 * The procedure versions API (src/procedures/routes.ts): every procedure with its versions, one
 * version's XML, deploy (the server lints again: 422 with errors[] naming each element), roll back
 * (an older version's XML deployed as a new version).
 */
import { api, type Item, type Success } from './api.ts';

export type Procedure = Item<'/api/procedures'>;
export type ProcedureVersion = Procedure['versions'][number];
export type DeployResult = Success<'/api/procedures/deployments', 'post'>;

export const PROCEDURES_PATH = '/api/procedures' as const;
const enc = encodeURIComponent;

export const listProcedures = () => api(PROCEDURES_PATH).then((r) => r.items);

/** A procedure by the name the designer gave it, not its process id; the id only for one without a name. */
export const procedureName = (procedures: readonly Procedure[], id: string) =>
  procedures.find((p) => p.bpmnProcessId === id)?.name || id;

export const versionXml = (id: string, version: number) =>
  api(`${PROCEDURES_PATH}/${enc(id)}/versions/${version}`).then((r) => r.xml);

/** Deploys the XML; rejects with the server's problem (422 errors[] when lint refuses it). */
export const deploy = (xml: string) =>
  api(`${PROCEDURES_PATH}/deployments`, { method: 'POST', body: { xml } });

export const rollback = (id: string, version: number) =>
  api(`${PROCEDURES_PATH}/${enc(id)}/versions/${version}/rollback`, { method: 'POST' });
