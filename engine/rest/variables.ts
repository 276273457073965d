/**
 * Variables and element instances in Camunda 8.8's REST API (v2):
 *
 *   POST /v2/variables/search[?truncateValues=false]   GET /v2/variables/{variableKey}
 *   GET  /v2/element-instances/{elementInstanceKey}
 *   PUT  /v2/element-instances/{elementInstanceKey}/variables   {variables, local?} → 204
 *
 * Setting variables is the gRPC SetVariables command: `local` sets them in that scope, otherwise each
 * is set where it is already defined (nearest scope up), else in the process instance's root scope.
 * The key may be the process instance's own. An unknown (or ended) element instance is 404.
 */
import type { Engine } from '../api.ts';
import type { EngineQueries } from '../query/index.ts';
import { invalid } from '../query/search.ts';
import { createVariableQueries } from '../query/variables.ts';
import { bool, objectOf, pathKey, variables, type RestIo, type Route } from './body.ts';

/** Variables to set: up to Zeebe's default message size, as the other commands that carry them. */
const MAX_VARIABLES_BYTES = 4 * 1024 * 1024;

/** `truncateValues` of the query string: true unless given as false. */
function truncateValues(url: string | undefined): boolean {
  const value = new URL(url ?? '/', 'http://localhost').searchParams.get('truncateValues');
  if (value === null || value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`truncateValues must be true or false, but was '${value}'`);
}

export function variableRoutes(engine: Engine, q: EngineQueries, io: RestIo): Route[] {
  const vq = createVariableQueries(engine);
  return [
    [
      'POST',
      /^\/v2\/variables\/search$/,
      async (_m, req, res) =>
        io.send(res, 200, await vq.searchVariables(await io.readJson(req), truncateValues(req.url))),
    ],
    [
      'GET',
      /^\/v2\/variables\/([^/]+)$/,
      async ([key], _req, res) => io.send(res, 200, await vq.getVariable(key!)),
    ],
    [
      'PUT',
      /^\/v2\/element-instances\/([^/]+)\/variables$/,
      async ([key], req, res) => {
        const elementInstanceKey = pathKey(key!, 'elementInstanceKey');
        const b = objectOf(
          await io.readJson(req, MAX_VARIABLES_BYTES),
          ['variables', 'local', 'operationReference'],
          'the set variables request',
        );
        const vars = variables(b);
        if (vars === undefined) throw invalid('variables is required');
        await engine.setVariables({ elementInstanceKey, variables: vars, local: bool(b, 'local') });
        io.send(res, 204);
      },
    ],
    [
      'GET',
      /^\/v2\/element-instances\/([^/]+)$/,
      async ([key], _req, res) => io.send(res, 200, await q.getElementInstance(key!)),
    ],
  ];
}
