/**
 * The hub's reader of engine state: Camunda 8.8's Orchestration Cluster REST API (v2), through
 * @camunda8/sdk's CamundaRestClient — the embedded engine's subset (engine/rest) or a Camunda 8 cluster
 * (CAMUNDA_REST_ADDRESS, with the same OAuth settings as the Zeebe client). The hub reads only what both
 * serve: process definitions and their XML, process instances, the element instances of one instance,
 * incidents and their resolution.
 */
// The REST client's own module, not the package's index (see src/zeebe.ts).
import { CamundaRestClient } from '@camunda8/sdk/dist/c8/lib/CamundaRestClient.js';
import type { Config } from '../config.ts';
import { HubError, notFound, unavailable } from '../errors.ts';
import { sdkSettings } from '../zeebe.ts';

export interface Page<T> {
  items: T[];
  page: { totalItems: number; startCursor?: string | null; endCursor?: string | null };
}

export interface SearchRequest {
  filter?: Record<string, unknown>;
  sort?: { field: string; order?: 'ASC' | 'DESC' }[];
  page?: { from?: number; limit?: number; after?: string; before?: string };
}

export interface ProcessDefinition {
  processDefinitionKey: string;
  processDefinitionId: string;
  name?: string;
  version: number;
  resourceName: string;
}

export interface ProcessInstance {
  processInstanceKey: string;
  processDefinitionKey: string;
  processDefinitionId: string;
  processDefinitionVersion: number;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  startDate: string;
  endDate?: string;
  hasIncident: boolean;
}

export interface ElementInstance {
  elementInstanceKey: string;
  elementId: string;
  type: string;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  startDate: string;
  endDate?: string;
  hasIncident: boolean;
  incidentKey?: string;
}

export interface Incident {
  incidentKey: string;
  processInstanceKey: string;
  processDefinitionKey: string;
  processDefinitionId: string;
  elementId: string;
  elementInstanceKey: string;
  errorType: string;
  errorMessage: string;
  creationTime: string;
  state: string;
  jobKey?: string;
}

export interface EngineQuery {
  searchProcessDefinitions(req: SearchRequest): Promise<Page<ProcessDefinition>>;
  processDefinitionXml(key: string): Promise<string>;
  searchProcessInstances(req: SearchRequest): Promise<Page<ProcessInstance>>;
  processInstance(key: string): Promise<ProcessInstance>;
  searchElementInstances(req: SearchRequest): Promise<Page<ElementInstance>>;
  searchIncidents(req: SearchRequest): Promise<Page<Incident>>;
  resolveIncident(key: string): Promise<void>;
}

type QueryConfig = Pick<
  Config,
  | 'ZEEBE_CLIENT_ID'
  | 'ZEEBE_CLIENT_SECRET'
  | 'ZEEBE_AUTHORIZATION_SERVER_URL'
  | 'ZEEBE_TOKEN_AUDIENCE'
  | 'CAMUNDA_REST_ADDRESS'
>;

/** The HTTP status of a failed SDK call (got's HTTPError), if it got that far. */
function statusOf(err: unknown): number | undefined {
  const res = (err as { response?: { statusCode?: number } } | null)?.response;
  return typeof res?.statusCode === 'number' ? res.statusCode : undefined;
}

function detailOf(err: unknown): string {
  const body = (err as { response?: { body?: unknown } } | null)?.response?.body;
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { detail?: unknown } | undefined;
    if (typeof parsed?.detail === 'string') return parsed.detail;
  } catch {
    // not a problem document
  }
  return err instanceof Error ? err.message : String(err);
}

/** The SDK's error as a HubError: 404 stays 404, a refusal is a 409, anything else the engine being away. */
function asHubError(err: unknown, what: string): HubError {
  const status = statusOf(err);
  if (status === 404) return notFound(what);
  if (status !== undefined && status >= 400 && status < 500)
    return new HubError('engine-refused', `${what}: ${detailOf(err)}`, { status: 409, cause: err });
  return unavailable(`the engine's REST API did not answer (${what})`, err);
}

/**
 * A client of the REST API at `restUrl` (without /v2): the embedded engine's bound address, or
 * CAMUNDA_REST_ADDRESS for a Camunda 8 cluster.
 */
export function createEngineQuery(config: QueryConfig, restUrl: string): EngineQuery {
  const client = new CamundaRestClient({
    config: { ...sdkSettings(config), ZEEBE_REST_ADDRESS: restUrl.replace(/\/+$/, '') } as never,
  });

  const call = async <T>(what: string, fn: () => Promise<unknown>): Promise<T> => {
    try {
      return (await fn()) as T;
    } catch (err) {
      throw asHubError(err, what);
    }
  };
  // The SDK types each search's filter tightly; the hub passes v2 filters through as they are.
  const loose = (req: SearchRequest) => ({ filter: {}, ...req }) as never;

  return {
    searchProcessDefinitions: (req) =>
      call('process definitions', () => client.searchProcessDefinitions(loose(req))),
    processDefinitionXml: (key) =>
      call(`process definition ${key}`, () => client.getProcessDefinitionXML(key)),
    searchProcessInstances: (req) =>
      call('process instances', () => client.searchProcessInstances(loose(req))),
    processInstance: async (key) => {
      const found = await call<Page<ProcessInstance>>(`process instance ${key}`, () =>
        client.searchProcessInstances(loose({ filter: { processInstanceKey: key } })),
      );
      const [item] = found.items;
      if (!item) throw notFound(`process instance ${key}`);
      return item;
    },
    searchElementInstances: (req) =>
      call('element instances', () => client.searchElementInstances(loose(req))),
    searchIncidents: (req) => call('incidents', () => client.searchIncidents(loose(req))),
    resolveIncident: async (key) => {
      await call(`incident ${key}`, () => client.resolveIncident(key));
    },
  };
}
