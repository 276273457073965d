/**
 * The decision searches of Camunda 8.8's REST API (v2), read from what DeployResource stored: decision
 * definitions (zb_decision) and decision requirements graphs (zb_drg, with the DMN XML they came from).
 *
 *   POST /v2/decision-definitions/search     GET /v2/decision-definitions/{key}     GET …/{key}/xml
 *   POST /v2/decision-requirements/search    GET /v2/decision-requirements/{key}    GET …/{key}/xml
 */
import type { Engine } from '../api.ts';
import {
  invalid,
  QueryProblem,
  search,
  TENANT,
  tenantField,
  type SearchResult,
  type SearchSpec,
} from './search.ts';

export interface DecisionDefinitionItem {
  decisionDefinitionKey: string;
  decisionDefinitionId: string;
  name: string;
  version: number;
  decisionRequirementsId: string;
  decisionRequirementsKey: string;
  tenantId: string;
}

export interface DecisionRequirementsItem {
  decisionRequirementsKey: string;
  decisionRequirementsId: string;
  decisionRequirementsName: string;
  version: number;
  resourceName: string;
  tenantId: string;
}

const definitionSpec: SearchSpec<DecisionDefinitionItem> = {
  from: 'zb_decision d',
  fields: {
    decisionDefinitionKey: { sql: 'd.key', type: 'key' },
    decisionDefinitionId: { sql: 'd.decision_id', type: 'string' },
    name: { sql: 'd.name', type: 'string' },
    version: { sql: 'd.version', type: 'int' },
    decisionRequirementsId: { sql: 'd.drg_id', type: 'string' },
    decisionRequirementsKey: { sql: 'd.drg_key', type: 'key' },
    tenantId: tenantField,
  },
  keyField: 'decisionDefinitionKey',
  select: 'd.*',
  toItem: (r) => ({
    decisionDefinitionKey: String(r.key),
    decisionDefinitionId: String(r.decision_id),
    name: String(r.name),
    version: Number(r.version),
    decisionRequirementsId: String(r.drg_id),
    decisionRequirementsKey: String(r.drg_key),
    tenantId: TENANT,
  }),
};

const requirementsSpec: SearchSpec<DecisionRequirementsItem> = {
  from: 'zb_drg g',
  fields: {
    decisionRequirementsKey: { sql: 'g.key', type: 'key' },
    decisionRequirementsId: { sql: 'g.drg_id', type: 'string' },
    decisionRequirementsName: { sql: 'g.name', type: 'string' },
    version: { sql: 'g.version', type: 'int' },
    resourceName: { sql: 'g.resource_name', type: 'string' },
    tenantId: tenantField,
  },
  keyField: 'decisionRequirementsKey',
  select: 'g.key, g.drg_id, g.name, g.version, g.resource_name',
  toItem: (r) => ({
    decisionRequirementsKey: String(r.key),
    decisionRequirementsId: String(r.drg_id),
    decisionRequirementsName: String(r.name),
    version: Number(r.version),
    resourceName: String(r.resource_name),
    tenantId: TENANT,
  }),
};

export interface DecisionQueries {
  searchDecisionDefinitions(body: unknown): Promise<SearchResult<DecisionDefinitionItem>>;
  getDecisionDefinition(key: string): Promise<DecisionDefinitionItem>;
  /** The DMN document the decision was deployed in. */
  getDecisionDefinitionXml(key: string): Promise<string>;
  searchDecisionRequirements(body: unknown): Promise<SearchResult<DecisionRequirementsItem>>;
  getDecisionRequirements(key: string): Promise<DecisionRequirementsItem>;
  getDecisionRequirementsXml(key: string): Promise<string>;
}

function keyOf(value: string, name: string): string {
  if (!/^\d{1,16}$/.test(value))
    throw invalid(`${name} must be a key (a string of digits), but was '${value}'`);
  return value;
}

const notFound = (detail: string) => new QueryProblem(404, 'NOT_FOUND', detail);

export function createDecisionQueries(engine: Pick<Engine, 'readState'>): DecisionQueries {
  const first = async <T>(spec: SearchSpec<T>, filter: Record<string, string>, what: string) => {
    const { items } = await engine.readState((db) => search(db, spec, { filter }));
    if (!items[0]) throw notFound(what);
    return items[0];
  };
  const xmlOf = async (sql: string, key: string, what: string) => {
    const [row] = await engine.readState((db) => db.all(sql, [Number(key)]));
    if (!row) throw notFound(what);
    return String(row.xml);
  };
  return {
    searchDecisionDefinitions: (body) => engine.readState((db) => search(db, definitionSpec, body)),
    getDecisionDefinition: (key) =>
      first(
        definitionSpec,
        { decisionDefinitionKey: keyOf(key, 'decisionDefinitionKey') },
        `Decision definition with key '${key}' not found`,
      ),
    getDecisionDefinitionXml: (key) =>
      xmlOf(
        `SELECT g.xml FROM zb_decision d JOIN zb_drg g ON g.key = d.drg_key WHERE d.key = ?`,
        keyOf(key, 'decisionDefinitionKey'),
        `Decision definition with key '${key}' not found`,
      ),
    searchDecisionRequirements: (body) => engine.readState((db) => search(db, requirementsSpec, body)),
    getDecisionRequirements: (key) =>
      first(
        requirementsSpec,
        { decisionRequirementsKey: keyOf(key, 'decisionRequirementsKey') },
        `Decision requirements with key '${key}' not found`,
      ),
    getDecisionRequirementsXml: (key) =>
      xmlOf(
        `SELECT xml FROM zb_drg WHERE key = ?`,
        keyOf(key, 'decisionRequirementsKey'),
        `Decision requirements with key '${key}' not found`,
      ),
  };
}
