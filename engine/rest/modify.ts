/**
 * Changing a running process instance through Camunda 8.8's REST API (v2):
 *
 *   POST /v2/process-instances/{key}/modification  {activateInstructions?: [{elementId,
 *        ancestorElementInstanceKey?, variableInstructions?: [{variables, scopeId?}]}],
 *        terminateInstructions?: [{elementInstanceKey}], operationReference?}            → 204
 *   POST /v2/process-instances/{key}/migration     {targetProcessDefinitionKey,
 *        mappingInstructions: [{sourceElementId, targetElementId}], operationReference?}  → 204
 *
 * They are the gRPC ModifyProcessInstance and MigrateProcessInstance commands (runtime/instances.ts,
 * runtime/migrate.ts): the engine's refusals keep their messages, as 404 (unknown instance, element
 * instance or target), 400 (invalid instruction) or 409 (not possible in the instance's state).
 */
import type { Engine, ModifyProcessInstanceRequest } from '../api.ts';
import { invalid } from '../query/search.ts';
import { objectOf, pathKey, str, variables, type Json, type RestIo, type Route } from './body.ts';

/** Instructions may carry variables: up to Zeebe's default message size. */
const MAX_MODIFY_BYTES = 4 * 1024 * 1024;

/** An array property of objects, each checked by `item` with its position for the messages. */
function listOf<T>(body: Json, name: string, item: (v: unknown, at: string) => T, required = false): T[] {
  const v = body[name];
  if (v === undefined) {
    if (required) throw invalid(`${name} is required`);
    return [];
  }
  if (!Array.isArray(v)) throw invalid(`${name} must be an array`);
  return v.map((x, i) => item(x, `${name}[${i}]`));
}

/** A key given as a string of digits, or -1 (ancestorElementInstanceKey: "the flow scope's instance"). */
function keyText(body: Json, name: string, at: string, allowMinusOne = false): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof text !== 'string' || !(/^\d{1,19}$/.test(text) || (allowMinusOne && text === '-1')))
    throw invalid(
      `${at}.${name} must be a key (a string of digits)${allowMinusOne ? ' or -1' : ''}, but was ${JSON.stringify(v)}`,
    );
  return text;
}

function modificationOf(b: Json, processInstanceKey: string): ModifyProcessInstanceRequest {
  const activateInstructions = listOf(b, 'activateInstructions', (v, at) => {
    const a = objectOf(v, ['elementId', 'ancestorElementInstanceKey', 'variableInstructions'], at);
    const elementId = str(a, 'elementId', true);
    return {
      elementId,
      ancestorElementInstanceKey: keyText(a, 'ancestorElementInstanceKey', at, true),
      variableInstructions: listOf(a, 'variableInstructions', (w, wat) => {
        const vi = objectOf(w, ['variables', 'scopeId'], `${at}.${wat}`);
        const vars = variables(vi);
        if (vars === undefined) throw invalid(`${at}.${wat}.variables is required`);
        return { variables: vars, scopeId: str(vi, 'scopeId') };
      }),
    };
  });
  const terminateInstructions = listOf(b, 'terminateInstructions', (v, at) => {
    const k = keyText(objectOf(v, ['elementInstanceKey'], at), 'elementInstanceKey', at);
    if (k === undefined) throw invalid(`${at}.elementInstanceKey is required`);
    return { elementInstanceKey: k };
  });
  return { processInstanceKey, activateInstructions, terminateInstructions };
}

export function modifyRoutes(engine: Engine, io: RestIo): Route[] {
  const readBody = async (req: Parameters<RestIo['readJson']>[0], known: string[], what: string) =>
    objectOf(await io.readJson(req, MAX_MODIFY_BYTES), known, what);
  return [
    [
      'POST',
      /^\/v2\/process-instances\/([^/]+)\/modification$/,
      async ([key], req, res) => {
        const processInstanceKey = pathKey(key!, 'processInstanceKey');
        const b = await readBody(
          req,
          ['activateInstructions', 'terminateInstructions', 'operationReference'],
          'the process instance modification request',
        );
        await engine.modifyProcessInstance(modificationOf(b, processInstanceKey));
        io.send(res, 204);
      },
    ],
    [
      'POST',
      /^\/v2\/process-instances\/([^/]+)\/migration$/,
      async ([key], req, res) => {
        const processInstanceKey = pathKey(key!, 'processInstanceKey');
        const b = await readBody(
          req,
          ['targetProcessDefinitionKey', 'mappingInstructions', 'operationReference'],
          'the process instance migration request',
        );
        const target = keyText(b, 'targetProcessDefinitionKey', 'the request');
        if (target === undefined) throw invalid('targetProcessDefinitionKey is required');
        const mappingInstructions = listOf(
          b,
          'mappingInstructions',
          (v, at) => {
            const m = objectOf(v, ['sourceElementId', 'targetElementId'], at);
            return {
              sourceElementId: str(m, 'sourceElementId', true),
              targetElementId: str(m, 'targetElementId', true),
            };
          },
          true,
        );
        await engine.migrateProcessInstance({
          processInstanceKey,
          migrationPlan: { targetProcessDefinitionKey: target, mappingInstructions },
        });
        io.send(res, 204);
      },
    ],
  ];
}
