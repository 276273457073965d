/**
 * Deploying one BPMN document, as `npm start` does for processes/ and administrators do from the
 * designer: lint with the Camunda 8.8 rules (processes/lint.ts; errors refuse the deployment naming
 * their elements), deploy through the Zeebe client, record a ProcessVersion row per process with the
 * engine's key. The engine answers an unchanged document with its existing version (Zeebe's duplicate
 * check: same content and resource name as the latest version), and then no row is added.
 */
import { createHash } from 'node:crypto';
import { lintBpmn, type LintIssue } from '../../processes/lint.ts';
import type { Db } from '../db/index.ts';
import { HubError, unavailable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ZeebeClient } from '../zeebe.ts';

export interface DeployedVersion {
  bpmnProcessId: string;
  version: number;
  engineKey: string;
  resourceName: string;
  /** false when the engine already had this document as the latest version (nothing new recorded). */
  created: boolean;
}

export interface DeployOutcome {
  processes: DeployedVersion[];
  warnings: LintIssue[];
}

export const checksumOf = (xml: string) => createHash('sha256').update(xml).digest('hex');

/** The 422 a document with lint errors gets: one entry per finding, naming the element. */
export function lintRefusal(name: string, errors: LintIssue[], warnings: LintIssue[]): HubError {
  return new HubError('lint', `${name} does not pass the Camunda 8.8 lint rules`, {
    status: 422,
    errors: errors.map((e) => ({ field: e.id || name, message: `${e.message} (${e.rule})` })),
    extensions: { lint: { errors, warnings } },
  });
}

/** gRPC status codes of a deployment the engine refused for its content. */
const REFUSED = new Set([3 /* INVALID_ARGUMENT */, 9 /* FAILED_PRECONDITION */]);

/** Lints and deploys `xml` as resource `name`; records the new versions. */
export async function deployXml(deps: {
  db: Db;
  zeebe: ZeebeClient;
  logger: Logger;
  name: string;
  xml: string;
  deployedBy?: string;
  /** ENGINE_TIMER_MIN_CYCLE_SECONDS, for the lint warning on faster timer cycles. */
  minTimerCycleSeconds?: number;
}): Promise<DeployOutcome> {
  const { db, zeebe, name, xml } = deps;
  const lint = await lintBpmn(xml, { minTimerCycleSeconds: deps.minTimerCycleSeconds });
  if (lint.errors.length) throw lintRefusal(name, lint.errors, lint.warnings);
  let deployed: { bpmnProcessId: string; version: number; processDefinitionKey: string }[];
  try {
    const answer = await zeebe.deployResource({ process: Buffer.from(xml), name });
    deployed = answer.deployments.flatMap((d) => ('process' in d ? [d.process] : []));
  } catch (err) {
    const { code, details } = err as { code?: number; details?: string };
    if (code !== undefined && REFUSED.has(code))
      throw new HubError('deploy-refused', `the engine refused ${name}: ${details ?? String(err)}`, {
        status: 422,
        errors: [{ field: name, message: details ?? String(err) }],
        cause: err,
      });
    throw unavailable(`the engine did not take ${name}`, err);
  }
  const checksum = checksumOf(xml);
  const processes: DeployedVersion[] = [];
  for (const p of deployed) {
    const engineKey = String(p.processDefinitionKey);
    const existing = await db.prisma.processVersion.findUnique({
      where: { bpmnProcessId_version: { bpmnProcessId: p.bpmnProcessId, version: p.version } },
      select: { engineKey: true, checksum: true },
    });
    const created = existing?.engineKey !== engineKey || existing.checksum !== checksum;
    if (created) {
      // A row for this version with another key is left from an engine whose state was reset: the
      // engine's answer is the truth.
      await db.prisma.processVersion.upsert({
        where: { bpmnProcessId_version: { bpmnProcessId: p.bpmnProcessId, version: p.version } },
        create: {
          bpmnProcessId: p.bpmnProcessId,
          version: p.version,
          xml,
          resourceName: name,
          checksum,
          engineKey,
          deployedBy: deps.deployedBy ?? null,
          lint: { errors: [], warnings: lint.warnings } as never,
        },
        update: { engineKey, checksum, xml, resourceName: name },
      });
      deps.logger.info(
        { process: p.bpmnProcessId, version: p.version, engineKey, by: deps.deployedBy },
        `deployed ${name}`,
      );
    }
    processes.push({
      bpmnProcessId: p.bpmnProcessId,
      version: p.version,
      engineKey,
      resourceName: name,
      created,
    });
  }
  if (!processes.length) throw new HubError('deploy', `${name}: the engine deployed no process`);
  return { processes, warnings: lint.warnings };
}
