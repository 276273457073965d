/**
 * Engine operations for the admin UI: the BPMN path of a case (diagram XML of the version it runs on,
 * the element instances taken, the current step, its incidents) and the engine's incidents with a retry
 * (UpdateJobRetries through the Zeebe client when the incident belongs to a job, then ResolveIncident).
 * Reads go through the REST API (src/incidents/engine-query.ts), so they work on a Camunda 8 cluster too.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import { caseScope } from '../cases/scope.ts';
import type { Db } from '../db/index.ts';
import { conflict, notFound, unavailable } from '../errors.ts';
import type { ZeebeClient } from '../zeebe.ts';
import { elementNameCache } from './element-names.ts';
import type { EngineQuery, Incident } from './engine-query.ts';
import { queryNumber } from '../api/validate.ts';

const keyString = z.string().regex(/^\d{1,19}$/, 'expected an engine key (digits)');

const elementSchema = z.object({
  elementInstanceKey: z.string(),
  elementId: z.string(),
  type: z.string().describe('Zeebe element type, e.g. SERVICE_TASK, START_EVENT, PROCESS'),
  state: z.enum(['ACTIVE', 'COMPLETED', 'TERMINATED']),
  startDate: z.string(),
  endDate: z.string().nullable(),
  hasIncident: z.boolean(),
  incidentKey: z.string().nullable(),
});

const incidentSchema = z.object({
  incidentKey: z.string(),
  processInstanceKey: z.string(),
  processDefinitionKey: z.string(),
  processDefinitionId: z.string(),
  elementId: z.string(),
  elementInstanceKey: z.string(),
  errorType: z.string().describe('e.g. JOB_NO_RETRIES, IO_MAPPING_ERROR, CONDITION_ERROR'),
  errorMessage: z.string(),
  creationTime: z.string(),
  state: z.string().describe('ACTIVE or RESOLVED'),
  jobKey: z.string().nullable().describe('set when the incident is a job out of retries'),
});

const caseIncidentSchema = incidentSchema.extend({
  elementName: z.string().nullable().describe('the element’s name in the BPMN (null when it has none)'),
  caseId: z.string().nullable().describe('the case whose process instance this is, when there is one'),
  caseNo: z.string().nullable(),
});

const pathSchema = z.object({
  caseId: z.string(),
  processInstanceKey: z.string(),
  processDefinitionKey: z.string(),
  bpmnProcessId: z.string(),
  version: z.number().int(),
  state: z.enum(['ACTIVE', 'COMPLETED', 'TERMINATED']),
  startDate: z.string(),
  endDate: z.string().nullable(),
  xml: z.string().describe('BPMN XML of the version the case runs on (draw it with bpmn-js)'),
  elements: z.array(elementSchema).describe('every element instance, in the order they started'),
  activeElementIds: z
    .array(z.string())
    .describe('the current step(s): active elements below the process, sub-processes excluded'),
  incidents: z.array(incidentSchema).describe('open incidents of the instance'),
});

const stepSchema = z.object({
  state: z.enum(['ACTIVE', 'COMPLETED', 'TERMINATED']),
  steps: z
    .array(z.object({ elementId: z.string(), name: z.string().nullable() }))
    .describe('where the procedure is now (innermost active elements), with their names in the BPMN'),
  incident: z
    .object({ elementId: z.string(), name: z.string().nullable(), message: z.string() })
    .nullable()
    .describe('the first open incident, when the procedure is stopped by one'),
});

const incidentView = (i: Incident) => ({
  incidentKey: i.incidentKey,
  processInstanceKey: i.processInstanceKey,
  processDefinitionKey: i.processDefinitionKey,
  processDefinitionId: i.processDefinitionId,
  elementId: i.elementId,
  elementInstanceKey: i.elementInstanceKey,
  errorType: i.errorType,
  errorMessage: i.errorMessage,
  creationTime: i.creationTime,
  state: i.state,
  jobKey: i.jobKey ?? null,
});

// Containers are active while anything inside is; the current step is the innermost active elements.
const CONTAINERS = new Set(['PROCESS', 'SUB_PROCESS', 'EVENT_SUB_PROCESS', 'MULTI_INSTANCE_BODY']);

/** Reads every page of a search (instances have tens of elements; the cap guards against runaways). */
async function all<T>(
  search: (req: { filter: Record<string, unknown>; page: { from: number; limit: number } }) => Promise<{
    items: T[];
    page: { totalItems: number };
  }>,
  filter: Record<string, unknown>,
): Promise<T[]> {
  const out: T[] = [];
  for (let from = 0; from < 10_000;) {
    const page = await search({ filter, page: { from, limit: 1000 } });
    out.push(...page.items);
    from += page.items.length;
    if (!page.items.length || from >= page.page.totalItems) break;
  }
  return out;
}

export interface IncidentDeps {
  db: Db;
  zeebe?: ZeebeClient;
  engineQuery?: EngineQuery;
}

export function incidentRoutes({ db, zeebe, engineQuery }: IncidentDeps): Route[] {
  const query = () => {
    if (!engineQuery) throw unavailable('the engine query API is not configured');
    return engineQuery;
  };
  const namesOf = engineQuery ? elementNameCache(engineQuery) : undefined;
  /** Names of a definition's elements; none when the engine cannot say (the ids then stand alone). */
  const names = (definitionKey: string) => namesOf!(definitionKey).catch(() => new Map<string, string>());

  async function caseInstance(id: string, principal: Parameters<typeof caseScope>[0]) {
    const scope = caseScope(principal);
    const row = await db.prisma.case.findFirst({
      where: { AND: [{ id }, ...(scope ? [scope] : [])] },
      select: { id: true, processInstanceKey: true },
    });
    if (!row) throw notFound(`case ${id}`);
    if (!row.processInstanceKey) throw notFound(`a process instance of case ${id}`);
    return row as { id: string; processInstanceKey: string };
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/cases/:id/process',
      summary: 'The BPMN path of a case: diagram, elements taken, current step, incidents',
      description:
        'Reads the engine (the embedded one or a Camunda 8 cluster) through the v2 REST API. A department handler sees only the cases of its department (others answer 404).',
      tags: ['cases', 'operations'],
      access: 'authenticated',
      params: z.object({ id: z.string() }),
      responses: { 200: { description: 'The process path', schema: pathSchema } },
      handler: async ({ params, principal }) => {
        const row = await caseInstance(params.id, principal);
        const q = query();
        const pi = await q.processInstance(row.processInstanceKey);
        const [xml, elements, incidents] = await Promise.all([
          q.processDefinitionXml(pi.processDefinitionKey),
          all((req) => q.searchElementInstances({ ...req, sort: [{ field: 'startDate' }] }), {
            processInstanceKey: pi.processInstanceKey,
          }),
          all((req) => q.searchIncidents(req), {
            processInstanceKey: pi.processInstanceKey,
            state: 'ACTIVE',
          }),
        ]);
        return {
          caseId: row.id,
          processInstanceKey: pi.processInstanceKey,
          processDefinitionKey: pi.processDefinitionKey,
          bpmnProcessId: pi.processDefinitionId,
          version: Number(pi.processDefinitionVersion),
          state: pi.state,
          startDate: pi.startDate,
          endDate: pi.endDate ?? null,
          xml,
          elements: elements.map((e) => ({
            elementInstanceKey: e.elementInstanceKey,
            elementId: e.elementId,
            type: e.type,
            state: e.state,
            startDate: e.startDate,
            endDate: e.endDate ?? null,
            hasIncident: e.hasIncident,
            incidentKey: e.incidentKey ?? null,
          })),
          activeElementIds: [
            ...new Set(
              elements.filter((e) => e.state === 'ACTIVE' && !CONTAINERS.has(e.type)).map((e) => e.elementId),
            ),
          ],
          incidents: incidents.map(incidentView),
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/cases/:id/step',
      summary: 'Where a case’s procedure is now, in words: the current step(s) and an open incident',
      description:
        'The light form of `/api/cases/:id/process` for lists and the desk: no diagram, the element names of ' +
        'the BPMN. Same access: a department handler sees only the cases of its department (others 404).',
      tags: ['cases', 'operations'],
      access: 'authenticated',
      params: z.object({ id: z.string() }),
      responses: { 200: { description: 'The current step', schema: stepSchema } },
      handler: async ({ params, principal }) => {
        const row = await caseInstance(params.id, principal);
        const q = query();
        const key = row.processInstanceKey;
        const [pi, active, incidents] = await Promise.all([
          q.processInstance(key),
          all((req) => q.searchElementInstances(req), { processInstanceKey: key, state: 'ACTIVE' }),
          q.searchIncidents({ filter: { processInstanceKey: key, state: 'ACTIVE' }, page: { limit: 1 } }),
        ]);
        const named = await names(pi.processDefinitionKey);
        const stuck = incidents.items[0];
        return {
          state: pi.state,
          steps: [...new Set(active.filter((e) => !CONTAINERS.has(e.type)).map((e) => e.elementId))].map(
            (elementId) => ({ elementId, name: named.get(elementId) ?? null }),
          ),
          incident: stuck
            ? {
                elementId: stuck.elementId,
                name: named.get(stuck.elementId) ?? null,
                message: stuck.errorMessage,
              }
            : null,
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/engine/incidents',
      summary: 'Engine incidents, newest first, with the case they belong to',
      tags: ['operations'],
      access: ['administrator'],
      query: z.object({
        state: z.enum(['ACTIVE', 'RESOLVED']).default('ACTIVE'),
        processInstanceKey: keyString.optional(),
        bpmnProcessId: z.string().min(1).optional(),
        limit: queryNumber(z.coerce.number().int().min(1).max(500)).default(50),
        cursor: z.string().optional().describe('nextCursor of the previous page'),
      }),
      responses: {
        200: {
          description: 'One page of incidents',
          schema: z.object({
            items: z.array(caseIncidentSchema),
            total: z.number().int(),
            nextCursor: z.string().nullable(),
            available: z
              .boolean()
              .describe(
                'false: the hub has no engine query API (ENGINE_MODE=external without CAMUNDA_REST_ADDRESS), so no incidents can be listed',
              ),
          }),
        },
      },
      handler: async ({ query: qs }) => {
        if (!engineQuery) return { items: [], total: 0, nextCursor: null, available: false };
        const found = await engineQuery.searchIncidents({
          filter: {
            state: qs.state,
            ...(qs.processInstanceKey ? { processInstanceKey: qs.processInstanceKey } : {}),
            ...(qs.bpmnProcessId ? { processDefinitionId: qs.bpmnProcessId } : {}),
          },
          sort: [{ field: 'incidentKey', order: 'DESC' }],
          page: qs.cursor ? { after: qs.cursor, limit: qs.limit } : { limit: qs.limit },
        });
        const keys = [...new Set(found.items.map((i) => i.processInstanceKey))];
        const cases = keys.length
          ? await db.prisma.case.findMany({
              where: { processInstanceKey: { in: keys } },
              select: { id: true, caseNo: true, processInstanceKey: true },
            })
          : [];
        const byKey = new Map(cases.map((c) => [c.processInstanceKey, c]));
        const definitions = [...new Set(found.items.map((i) => i.processDefinitionKey))];
        const namesByDefinition = new Map(
          await Promise.all(definitions.map(async (k) => [k, await names(k)] as const)),
        );
        const more = found.items.length === qs.limit && found.page.endCursor;
        return {
          items: found.items.map((i) => ({
            ...incidentView(i),
            elementName: namesByDefinition.get(i.processDefinitionKey)?.get(i.elementId) ?? null,
            caseId: byKey.get(i.processInstanceKey)?.id ?? null,
            caseNo: byKey.get(i.processInstanceKey)?.caseNo ?? null,
          })),
          total: Number(found.page.totalItems),
          nextCursor: more ? found.page.endCursor! : null,
          available: true,
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/api/engine/incidents/:key/retry',
      summary: 'Retry an incident: new job retries (when it is a job incident), then resolve it',
      tags: ['operations'],
      access: ['administrator'],
      params: z.object({ key: keyString }),
      body: z
        .object({ retries: z.number().int().min(1).max(10).default(1).describe('retries the job gets') })
        .default({ retries: 1 }),
      responses: {
        200: {
          description: 'The incident is resolved; the engine works on the element again',
          schema: z.object({
            incidentKey: z.string(),
            jobKey: z.string().nullable(),
            retries: z.number().nullable(),
          }),
        },
      },
      handler: async ({ params, body, log }) => {
        const q = query();
        const [incident] = (await q.searchIncidents({ filter: { incidentKey: params.key } })).items;
        if (!incident) throw notFound(`incident ${params.key}`);
        if (incident.state !== 'ACTIVE')
          throw conflict(`incident ${params.key} is already ${incident.state}`);
        if (incident.jobKey) {
          if (!zeebe) throw unavailable('the engine client is not configured');
          try {
            await zeebe.updateJobRetries({ jobKey: incident.jobKey, retries: body.retries });
          } catch (err) {
            // gRPC NOT_FOUND: the job ended meanwhile (its instance was cancelled); nothing to retry.
            if ((err as { code?: unknown }).code === 5)
              throw conflict(`job ${incident.jobKey} of incident ${params.key} no longer exists`);
            throw unavailable('the engine did not take the new retries', err);
          }
        }
        await q.resolveIncident(params.key);
        log.info(
          { incidentKey: params.key, jobKey: incident.jobKey, retries: body.retries },
          'incident retried',
        );
        return {
          incidentKey: params.key,
          jobKey: incident.jobKey ?? null,
          retries: incident.jobKey ? body.retries : null,
        };
      },
    }),
  ];
}
