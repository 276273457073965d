/**
 * The commands of Camunda 8.8's REST API (v2) that start work, over the engine's API:
 *
 *   POST /v2/deployments                 multipart/form-data: resources (files), tenantId?
 *        → 200 {deploymentKey, tenantId, deployments: [{processDefinition} | {decisionDefinition}
 *               | {decisionRequirements} | {form}]}
 *   POST /v2/resources/{key}/deletion    → 200: the process definition is deleted and its running
 *                                         instances are canceled, as DeleteResource (decision
 *                                         requirements and forms are not deletable here)
 *   POST /v2/process-instances           {processDefinitionId, processDefinitionVersion?} or
 *        {processDefinitionKey}, variables?, tenantId?, startInstructions?, awaitCompletion?,
 *        fetchVariables?, requestTimeout?  → 200 {processDefinitionId, processDefinitionVersion,
 *        processDefinitionKey, processInstanceKey, tenantId, variables}
 *   POST /v2/messages/publication        {name, correlationKey?, timeToLive?, messageId?, variables?,
 *                                         tenantId?}                       → 200 {messageKey, tenantId}
 *   POST /v2/messages/correlation        {name, correlationKey?, variables?, tenantId?}
 *                                         → 200 {messageKey, tenantId, processInstanceKey}; 404 when
 *                                         nothing waits for it (never buffered)
 *   POST /v2/signals/broadcast           {signalName, variables?, tenantId?} → 200 {signalKey, tenantId}
 */
import type { IncomingMessage } from 'node:http';
import type { CreateProcessInstanceRequest, DeployResourceResponse, Engine } from '../api.ts';
import { invalid } from '../query/search.ts';
import {
  bool,
  int,
  objectOf,
  pathKey,
  refuseSet,
  str,
  strings,
  variables,
  type Json,
  type RestIo,
  type Route,
} from './body.ts';

/** Deployments and instance variables: up to Zeebe's default message size (4 MiB). */
const MAX_COMMAND_BYTES = 4 * 1024 * 1024;

/** Reads a multipart/form-data body with the platform's own parser (undici's FormData). */
async function readForm(io: RestIo, req: IncomingMessage): Promise<FormData> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data;/i.test(type))
    throw invalid(`a deployment is multipart/form-data with its files as 'resources', not '${type}'`);
  const body = await io.readBytes(req, MAX_COMMAND_BYTES);
  try {
    return await new Request('http://engine/', {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    }).formData();
  } catch {
    throw invalid('the multipart/form-data body could not be read');
  }
}

/** Zeebe's order: processes, then each decision, then decision requirements, then forms. */
function deploymentResult(r: DeployResourceResponse) {
  return {
    deploymentKey: r.key,
    tenantId: r.tenantId,
    deployments: [
      ...r.deployments.map(({ process: p }) => ({
        processDefinition: {
          processDefinitionId: p.bpmnProcessId,
          processDefinitionVersion: p.version,
          resourceName: p.resourceName,
          tenantId: p.tenantId,
          processDefinitionKey: p.processDefinitionKey,
        },
      })),
      ...(r.decisions ?? []).map((d) => ({
        decisionDefinition: {
          decisionDefinitionId: d.dmnDecisionId,
          version: d.version,
          name: d.dmnDecisionName,
          tenantId: d.tenantId,
          decisionRequirementsId: d.dmnDecisionRequirementsId,
          decisionDefinitionKey: d.decisionKey,
          decisionRequirementsKey: d.decisionRequirementsKey,
        },
      })),
      ...(r.decisionRequirements ?? []).map((d) => ({
        decisionRequirements: {
          decisionRequirementsId: d.dmnDecisionRequirementsId,
          version: d.version,
          decisionRequirementsName: d.dmnDecisionRequirementsName,
          tenantId: d.tenantId,
          resourceName: d.resourceName,
          decisionRequirementsKey: d.decisionRequirementsKey,
        },
      })),
      ...(r.forms ?? []).map((f) => ({
        form: {
          formId: f.formId,
          version: f.version,
          resourceName: f.resourceName,
          tenantId: f.tenantId,
          formKey: f.formKey,
        },
      })),
    ],
  };
}

function creationOf(b: Json): CreateProcessInstanceRequest {
  const byKey = str(b, 'processDefinitionKey');
  const byId = str(b, 'processDefinitionId');
  if (byKey === undefined && byId === undefined)
    throw invalid('processDefinitionId or processDefinitionKey is required');
  if (byKey !== undefined && byId !== undefined)
    throw invalid('give processDefinitionId or processDefinitionKey, not both');
  if (byKey !== undefined && !/^\d{1,19}$/.test(byKey))
    throw invalid(`processDefinitionKey must be a key (a string of digits), but was '${byKey}'`);
  if (byKey !== undefined && b.processDefinitionVersion !== undefined)
    throw invalid('processDefinitionVersion goes with processDefinitionId, not processDefinitionKey');
  const start = b.startInstructions;
  if (start !== undefined && !Array.isArray(start)) throw invalid('startInstructions must be an array');
  return {
    ...(byKey !== undefined
      ? { processDefinitionKey: byKey }
      : { bpmnProcessId: byId!, version: int(b, 'processDefinitionVersion', false, -1) ?? -1 }),
    variables: variables(b),
    tenantId: str(b, 'tenantId'),
    startInstructions: (start as unknown[] | undefined)?.map((s, i) => ({
      elementId: str(objectOf(s, ['elementId'], `startInstructions[${i}]`), 'elementId', true),
    })),
  };
}

export function commandRoutes(engine: Engine, io: RestIo): Route[] {
  const readBody = async (req: IncomingMessage, known: string[], what: string) =>
    objectOf(await io.readJson(req, MAX_COMMAND_BYTES), known, what);

  return [
    [
      'POST',
      /^\/v2\/deployments$/,
      async (_m, req, res) => {
        const form = await readForm(io, req);
        const resources: { name: string; content: Uint8Array }[] = [];
        let tenantId: string | undefined;
        for (const [name, value] of form.entries()) {
          if (name === 'resources') {
            if (typeof value === 'string')
              throw invalid('resources must be files (parts with a filename), not text fields');
            resources.push({ name: value.name, content: new Uint8Array(await value.arrayBuffer()) });
          } else if (name === 'tenantId' && typeof value === 'string') tenantId = value;
          else throw invalid(`${name} is not a known part of a deployment; known: resources, tenantId`);
        }
        if (resources.length === 0) throw invalid('resources is required: at least one file');
        io.send(res, 200, deploymentResult(await engine.deployResource({ resources, tenantId })));
      },
    ],
    [
      'POST',
      /^\/v2\/resources\/([^/]+)\/deletion$/,
      async ([key], req, res) => {
        const resourceKey = pathKey(key!, 'resourceKey');
        objectOf(await io.readJson(req), ['operationReference'], 'the resource deletion request');
        await engine.deleteResource({ resourceKey });
        io.send(res, 200);
      },
    ],
    [
      'POST',
      /^\/v2\/process-instances$/,
      async (_m, req, res) => {
        const b = await readBody(
          req,
          [
            'processDefinitionId',
            'processDefinitionVersion',
            'processDefinitionKey',
            'variables',
            'tenantId',
            'operationReference',
            'startInstructions',
            'runtimeInstructions',
            'awaitCompletion',
            'fetchVariables',
            'requestTimeout',
            'tags',
          ],
          'the process instance creation request',
        );
        refuseSet(b, ['runtimeInstructions', 'tags'], 'process instance creation');
        const request = creationOf(b);
        if (bool(b, 'awaitCompletion')) {
          const r = await engine.createProcessInstanceWithResult({
            request,
            requestTimeout: int(b, 'requestTimeout', false, 0),
            fetchVariables: strings(b, 'fetchVariables'),
          });
          io.send(res, 200, instanceResult(r, r.variables));
        } else {
          io.send(res, 200, instanceResult(await engine.createProcessInstance(request), {}));
        }
      },
    ],
    [
      'POST',
      /^\/v2\/messages\/publication$/,
      async (_m, req, res) => {
        const b = await readBody(
          req,
          ['name', 'correlationKey', 'timeToLive', 'messageId', 'variables', 'tenantId'],
          'the message publication request',
        );
        const r = await engine.publishMessage({
          name: str(b, 'name', true),
          correlationKey: str(b, 'correlationKey'),
          timeToLive: int(b, 'timeToLive', false, 0),
          messageId: str(b, 'messageId'),
          variables: variables(b),
          tenantId: str(b, 'tenantId'),
        });
        io.send(res, 200, { tenantId: r.tenantId, messageKey: r.key });
      },
    ],
    [
      'POST',
      /^\/v2\/messages\/correlation$/,
      async (_m, req, res) => {
        const b = await readBody(
          req,
          ['name', 'correlationKey', 'variables', 'tenantId'],
          'the message correlation request',
        );
        const r = await engine.correlateMessage({
          name: str(b, 'name', true),
          correlationKey: str(b, 'correlationKey'),
          variables: variables(b),
          tenantId: str(b, 'tenantId'),
        });
        io.send(res, 200, r);
      },
    ],
    [
      'POST',
      /^\/v2\/signals\/broadcast$/,
      async (_m, req, res) => {
        const b = await readBody(
          req,
          ['signalName', 'variables', 'tenantId'],
          'the signal broadcast request',
        );
        const r = await engine.broadcastSignal({
          signalName: str(b, 'signalName', true),
          variables: variables(b),
          tenantId: str(b, 'tenantId'),
        });
        io.send(res, 200, { tenantId: r.tenantId, signalKey: r.key });
      },
    ],
  ];
}

function instanceResult(
  r: {
    bpmnProcessId: string;
    version: number;
    tenantId: string;
    processDefinitionKey: string;
    processInstanceKey: string;
  },
  vars: Json,
) {
  return {
    processDefinitionId: r.bpmnProcessId,
    processDefinitionVersion: r.version,
    tenantId: r.tenantId,
    variables: vars,
    processDefinitionKey: r.processDefinitionKey,
    processInstanceKey: r.processInstanceKey,
  };
}
