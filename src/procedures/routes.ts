/**
 * Procedure versions for administrators (the designer's version history, deploy and roll back):
 *   GET  /api/procedures                                       every procedure with its versions
 *   GET  /api/procedures/:bpmnProcessId/versions/:version      one version with its XML and lint report
 *   POST /api/procedures/deployments                           lint + deploy an XML (422 names the elements)
 *   POST /api/procedures/:bpmnProcessId/versions/:version/rollback   that version's XML as a new version
 * Versions are the hub's ProcessVersion rows joined with the engine's process definitions (read through
 * the v2 REST API), so a version deployed by other means shows too. Running instances keep their version:
 * a deployment only changes what new instances start on.
 */
import type { Config } from '../config.ts';
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Db } from '../db/index.ts';
import { HubError, notFound, unavailable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { EngineQuery, ProcessDefinition } from '../incidents/engine-query.ts';
import type { ZeebeClient } from '../zeebe.ts';
import { deployXml, type DeployOutcome } from './versions.ts';
import { queryNumber } from '../api/validate.ts';

/** Largest BPMN document accepted (characters); the JSON body limit (HUB_MAX_BODY_BYTES) applies too. */
export const MAX_BPMN_CHARS = 1_000_000;

const lintIssue = z.object({
  id: z.string().describe('the element the finding names ("" = the whole document)'),
  message: z.string(),
  rule: z.string(),
});

const deployResult = z.object({
  processes: z.array(
    z.object({
      bpmnProcessId: z.string(),
      version: z.number().int(),
      engineKey: z.string(),
      resourceName: z.string(),
      created: z.boolean().describe('false: the engine already had this XML as its latest version'),
    }),
  ),
  warnings: z.array(lintIssue).describe('lint warnings (errors refuse the deployment with 422)'),
});

const deployer = z.object({ id: z.string(), displayName: z.string() }).nullable();

const versionSummary = z.object({
  version: z.number().int(),
  engineKey: z.string().nullable(),
  resourceName: z.string(),
  deployedAt: z.string().nullable().describe('null for a version deployed to the engine by other means'),
  deployedBy: deployer.describe('null: deployed from processes/ at start-up, or by other means'),
  checksum: z.string().nullable().describe('sha256 of the XML'),
  inHub: z.boolean().describe('the hub recorded it (ProcessVersion)'),
  inEngine: z.boolean().nullable().describe('the engine has it; null when the engine did not answer'),
  lintWarnings: z.number().int(),
});

const procedureSchema = z.object({
  bpmnProcessId: z.string(),
  name: z.string().nullable(),
  latestVersion: z.number().int(),
  versions: z.array(versionSummary).describe('newest first'),
});

const versionParams = z.object({
  bpmnProcessId: z.string().min(1).max(255),
  version: queryNumber(z.coerce.number().int().min(1)),
});

const hasDoctype = (xml: string) => /<!DOCTYPE|<!ENTITY/i.test(xml);

/** The ids of the processes a document declares (to find the resource name their history uses). */
const processIdsOf = (xml: string) =>
  [...xml.matchAll(/<(?:[\w-]+:)?process\b[^>]*?\bid\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);

export interface ProcedureDeps {
  db: Db;
  logger: Logger;
  zeebe?: ZeebeClient;
  engineQuery?: EngineQuery;
  config?: Pick<Config, 'ENGINE_TIMER_MIN_CYCLE_SECONDS'>;
}

export function procedureRoutes({ db, logger, zeebe, engineQuery, config }: ProcedureDeps): Route[] {
  const log = logger.child({ component: 'procedures' });
  const client = () => {
    if (!zeebe) throw unavailable('the engine client is not configured');
    return zeebe;
  };

  /** Every process definition of the engine, or undefined when it does not answer. */
  async function engineDefinitions(): Promise<ProcessDefinition[] | undefined> {
    if (!engineQuery) return undefined;
    const out: ProcessDefinition[] = [];
    try {
      for (let from = 0; ;) {
        const page = await engineQuery.searchProcessDefinitions({ page: { from, limit: 1000 } });
        out.push(...page.items);
        from += page.items.length;
        if (!page.items.length || from >= Number(page.page.totalItems)) return out;
      }
    } catch (err) {
      log.warn({ err }, 'the engine did not list its process definitions');
      return undefined;
    }
  }

  /** The resource name a process's history uses, so an unchanged document is recognised as such. */
  async function resourceNameFor(xml: string, given: string | undefined): Promise<string> {
    if (given) return given;
    const [id] = processIdsOf(xml);
    if (!id) return 'process.bpmn';
    const latest = await db.prisma.processVersion.findFirst({
      where: { bpmnProcessId: id },
      orderBy: { version: 'desc' },
      select: { resourceName: true },
    });
    return latest?.resourceName ?? `${id}.bpmn`;
  }

  async function deploy(xml: string, name: string, userId: string): Promise<DeployOutcome> {
    if (hasDoctype(xml))
      throw new HubError('lint', `${name} is refused: DOCTYPE and ENTITY declarations are not allowed`, {
        status: 422,
        errors: [{ field: 'body.xml', message: 'DOCTYPE and ENTITY declarations are not allowed in BPMN' }],
      });
    return deployXml({
      db,
      zeebe: client(),
      logger: log,
      name,
      xml,
      deployedBy: userId,
      minTimerCycleSeconds: config?.ENGINE_TIMER_MIN_CYCLE_SECONDS,
    });
  }

  return [
    defineRoute({
      method: 'GET',
      path: '/api/procedures',
      summary: 'Every procedure (BPMN process) with its deployed versions',
      tags: ['procedures'],
      access: ['administrator'],
      responses: {
        200: {
          description: 'Procedures, by process id',
          schema: z.object({
            items: z.array(procedureSchema),
            engineReachable: z.boolean().describe('false: versions only the engine knows are missing'),
          }),
        },
      },
      handler: async () => {
        const [rows, definitions] = await Promise.all([
          db.prisma.processVersion.findMany({
            select: {
              bpmnProcessId: true,
              version: true,
              engineKey: true,
              resourceName: true,
              checksum: true,
              deployedAt: true,
              lint: true,
              deployer: { select: { id: true, displayName: true } },
            },
          }),
          engineDefinitions(),
        ]);
        type Summary = z.input<typeof versionSummary>;
        const byProcess = new Map<string, { name: string | null; versions: Map<number, Summary> }>();
        const entry = (id: string) => {
          let e = byProcess.get(id);
          if (!e) byProcess.set(id, (e = { name: null, versions: new Map() }));
          return e;
        };
        const engineKeys = new Set(definitions?.map((d) => `${d.processDefinitionId}\u0000${d.version}`));
        for (const r of rows) {
          const warnings = (r.lint as { warnings?: unknown[] } | null)?.warnings;
          entry(r.bpmnProcessId).versions.set(r.version, {
            version: r.version,
            engineKey: r.engineKey,
            resourceName: r.resourceName,
            deployedAt: r.deployedAt.toISOString(),
            deployedBy: r.deployer,
            checksum: r.checksum,
            inHub: true,
            inEngine: definitions ? engineKeys.has(`${r.bpmnProcessId}\u0000${r.version}`) : null,
            lintWarnings: Array.isArray(warnings) ? warnings.length : 0,
          });
        }
        for (const d of definitions ?? []) {
          const e = entry(d.processDefinitionId);
          const version = Number(d.version);
          if (d.name && (e.name === null || version >= Math.max(...e.versions.keys(), 0))) e.name = d.name;
          if (!e.versions.has(version))
            e.versions.set(version, {
              version,
              engineKey: d.processDefinitionKey,
              resourceName: d.resourceName,
              deployedAt: null,
              deployedBy: null,
              checksum: null,
              inHub: false,
              inEngine: true,
              lintWarnings: 0,
            });
        }
        return {
          engineReachable: definitions !== undefined,
          items: [...byProcess.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([bpmnProcessId, e]) => {
              const versions = [...e.versions.values()].sort((a, b) => b.version - a.version);
              return { bpmnProcessId, name: e.name, latestVersion: versions[0]!.version, versions };
            }),
        };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/procedures/:bpmnProcessId/versions/:version',
      summary: 'One version of a procedure with its BPMN XML',
      tags: ['procedures'],
      access: ['administrator'],
      params: versionParams,
      responses: {
        200: {
          description: 'The version',
          schema: versionSummary.extend({
            bpmnProcessId: z.string(),
            xml: z.string(),
            lint: z.object({ errors: z.array(lintIssue), warnings: z.array(lintIssue) }).nullable(),
          }),
        },
      },
      handler: async ({ params }) => {
        const row = await db.prisma.processVersion.findUnique({
          where: { bpmnProcessId_version: params },
          include: { deployer: { select: { id: true, displayName: true } } },
        });
        if (row) {
          const lint = row.lint as { errors?: unknown[]; warnings?: unknown[] } | null;
          return {
            bpmnProcessId: row.bpmnProcessId,
            version: row.version,
            engineKey: row.engineKey,
            resourceName: row.resourceName,
            deployedAt: row.deployedAt.toISOString(),
            deployedBy: row.deployer,
            checksum: row.checksum,
            inHub: true,
            inEngine: null,
            lintWarnings: Array.isArray(lint?.warnings) ? lint.warnings.length : 0,
            xml: row.xml,
            lint: lint ? (lint as never) : null,
          };
        }
        // A version only the engine knows (deployed by other means).
        if (!engineQuery) throw notFound(`version ${params.version} of procedure ${params.bpmnProcessId}`);
        const [d] = (
          await engineQuery.searchProcessDefinitions({
            filter: { processDefinitionId: params.bpmnProcessId, version: params.version },
          })
        ).items;
        if (!d) throw notFound(`version ${params.version} of procedure ${params.bpmnProcessId}`);
        return {
          bpmnProcessId: d.processDefinitionId,
          version: Number(d.version),
          engineKey: d.processDefinitionKey,
          resourceName: d.resourceName,
          deployedAt: null,
          deployedBy: null,
          checksum: null,
          inHub: false,
          inEngine: true,
          lintWarnings: 0,
          xml: await engineQuery.processDefinitionXml(d.processDefinitionKey),
          lint: null,
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/api/procedures/deployments',
      summary: 'Lint and deploy a BPMN document',
      description:
        'Lint errors (Camunda 8.8 rules) refuse the deployment with 422: `errors[]` names each element (`field`) with the message, and `lint` carries the full report. An XML equal to the latest version answers that version with created=false, as Zeebe does.',
      tags: ['procedures'],
      access: ['administrator'],
      body: z.object({
        xml: z.string().min(1).max(MAX_BPMN_CHARS),
        resourceName: z
          .string()
          .regex(/^[\w.-]{1,100}\.bpmn$/, 'expected a file name ending in .bpmn')
          .optional()
          .describe('default: the resource name of the latest version of the same process'),
      }),
      responses: { 200: { description: 'What the engine deployed', schema: deployResult } },
      handler: async ({ body, principal }) =>
        deploy(body.xml, await resourceNameFor(body.xml, body.resourceName), principal.userId),
    }),

    defineRoute({
      method: 'POST',
      path: '/api/procedures/:bpmnProcessId/versions/:version/rollback',
      summary: 'Roll back: deploy an older version’s XML as a new version',
      description:
        'Instances already running keep the version they started on; new instances start on the new version.',
      tags: ['procedures'],
      access: ['administrator'],
      params: versionParams,
      responses: {
        200: {
          description: 'What the engine deployed',
          schema: deployResult.extend({ rolledBackTo: z.number().int() }),
        },
      },
      handler: async ({ params, principal }) => {
        const row = await db.prisma.processVersion.findUnique({
          where: { bpmnProcessId_version: params },
          select: { xml: true },
        });
        let xml = row?.xml;
        if (xml === undefined && engineQuery) {
          const [d] = (
            await engineQuery.searchProcessDefinitions({
              filter: { processDefinitionId: params.bpmnProcessId, version: params.version },
            })
          ).items;
          if (d) xml = await engineQuery.processDefinitionXml(d.processDefinitionKey);
        }
        if (xml === undefined)
          throw notFound(`version ${params.version} of procedure ${params.bpmnProcessId}`);
        const outcome = await deploy(xml, await resourceNameFor(xml, undefined), principal.userId);
        return { ...outcome, rolledBackTo: params.version };
      },
    }),
  ];
}
