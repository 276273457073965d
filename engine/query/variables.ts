/**
 * The variable searches of Camunda 8.8's REST API (v2): POST /v2/variables/search and
 * GET /v2/variables/{variableKey}, each variable with the key Zeebe gives it, its scope (an element
 * instance, or the process instance for its root scope) and its value as JSON text. As Camunda's
 * secondary storage does, they list the variables of running scopes (zb_variable) and those of scopes
 * and instances that ended, with their last values (zb_q_variable, kept until history retention removes
 * the instance). A variable is in one of the two tables, never both.
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

/** Longer values are cut in a search answer unless `truncateValues=false` (Camunda's default size). */
export const VARIABLE_TRUNCATE_CHARS = 8191;

export interface VariableItem {
  variableKey: string;
  name: string;
  /** The value as JSON text, e.g. `"abc"` or `42`. */
  value: string;
  /** Search answers only: whether `value` was cut to VARIABLE_TRUNCATE_CHARS characters. */
  isTruncated?: boolean;
  scopeKey: string;
  processInstanceKey: string;
  tenantId: string;
}

const variableSpec: SearchSpec<VariableItem> = {
  from: `(SELECT key, scope_key, name, pi_key, value FROM zb_variable
          UNION ALL SELECT key, scope_key, name, pi_key, value FROM zb_q_variable) v`,
  fields: {
    variableKey: { sql: 'v.key', type: 'key' },
    name: { sql: 'v.name', type: 'string' },
    value: { sql: 'v.value', type: 'string' },
    scopeKey: { sql: 'v.scope_key', type: 'key' },
    processInstanceKey: { sql: 'v.pi_key', type: 'key' },
    isTruncated: {
      sql: `(CASE WHEN LENGTH(v.value) > ${VARIABLE_TRUNCATE_CHARS} THEN 1 ELSE 0 END)`,
      type: 'bool',
    },
    tenantId: tenantField,
  },
  keyField: 'variableKey',
  select: 'v.*',
  toItem: (r) => ({
    variableKey: String(r.key),
    name: String(r.name),
    value: String(r.value),
    scopeKey: String(r.scope_key),
    processInstanceKey: String(r.pi_key),
    tenantId: TENANT,
  }),
};

export interface VariableQueries {
  /** `truncate` false returns whole values (the `truncateValues` query parameter). */
  searchVariables(body: unknown, truncate: boolean): Promise<SearchResult<VariableItem>>;
  getVariable(key: string): Promise<VariableItem>;
}

export function createVariableQueries(engine: Pick<Engine, 'readState'>): VariableQueries {
  return {
    async searchVariables(body, truncate) {
      const result = await engine.readState((db) => search(db, variableSpec, body));
      for (const item of result.items) {
        item.isTruncated = truncate && item.value.length > VARIABLE_TRUNCATE_CHARS;
        if (item.isTruncated) item.value = item.value.slice(0, VARIABLE_TRUNCATE_CHARS);
      }
      return result;
    },
    async getVariable(key) {
      if (!/^\d{1,16}$/.test(key))
        throw invalid(`variableKey must be a key (a string of digits), but was '${key}'`);
      const { items } = await engine.readState((db) =>
        search(db, variableSpec, { filter: { variableKey: key } }),
      );
      if (!items[0]) throw new QueryProblem(404, 'NOT_FOUND', `Variable with key '${key}' not found`);
      return items[0];
    },
  };
}
