/**
 * Deploys the procedures in processes/ when they changed: each BPMN file is linted with the Camunda 8.8
 * rules (an error refuses the deployment, naming the element), deployed through the Zeebe client, and
 * recorded as a ProcessVersion row with the engine's key. An unchanged file (same checksum as the latest
 * recorded version of its process) is not deployed again, so restarts create no new versions.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lintBpmn } from '../../processes/lint.ts';
import type { Db } from '../db/index.ts';
import { HubError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ZeebeClient } from '../zeebe.ts';

export interface DeployedProcess {
  bpmnProcessId: string;
  version: number;
  engineKey: string;
  resourceName: string;
  /** false when the file matched the latest recorded version and nothing was sent to the engine. */
  deployed: boolean;
}

/** The folder of the shipped procedures. */
export const PROCESSES_DIR = new URL('../../processes/', import.meta.url).pathname;

/** Deploys every `*.bpmn` in `dir` that differs from its latest recorded version. */
export async function deployProcesses(deps: {
  db: Db;
  zeebe: ZeebeClient;
  logger: Logger;
  dir?: string;
}): Promise<DeployedProcess[]> {
  const dir = deps.dir ?? PROCESSES_DIR;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.bpmn')).sort();
  const results: DeployedProcess[] = [];
  for (const file of files) {
    results.push(
      await deployIfChanged({ ...deps, name: file, xml: await readFile(join(dir, file), 'utf8') }),
    );
  }
  return results;
}

async function deployIfChanged(deps: {
  db: Db;
  zeebe: ZeebeClient;
  logger: Logger;
  name: string;
  xml: string;
}): Promise<DeployedProcess> {
  const { db, zeebe, name, xml } = deps;
  const checksum = createHash('sha256').update(xml).digest('hex');
  const known = await db.prisma.processVersion.findFirst({
    where: { resourceName: name },
    orderBy: { deployedAt: 'desc' },
  });
  if (known?.checksum === checksum && known.engineKey) {
    return {
      bpmnProcessId: known.bpmnProcessId,
      version: known.version,
      engineKey: known.engineKey,
      resourceName: name,
      deployed: false,
    };
  }
  const lint = await lintBpmn(xml);
  if (lint.errors.length) {
    throw new HubError('lint', `${name} does not pass the Camunda 8.8 lint rules`, {
      status: 422,
      errors: lint.errors.map((e) => ({ field: e.id || name, message: `${e.message} (${e.rule})` })),
    });
  }
  const answer = await zeebe.deployResource({ process: Buffer.from(xml), name });
  const process = answer.deployments
    .map((d) => ('process' in d ? d.process : undefined))
    .find((p) => p !== undefined);
  if (!process) throw new HubError('deploy', `${name}: the engine deployed no process`);
  const engineKey = String(process.processDefinitionKey);
  // The engine answers an unchanged resource with its existing version; record a row only for a new one.
  await db.prisma.processVersion.upsert({
    where: { bpmnProcessId_version: { bpmnProcessId: process.bpmnProcessId, version: process.version } },
    create: {
      bpmnProcessId: process.bpmnProcessId,
      version: process.version,
      xml,
      resourceName: name,
      checksum,
      engineKey,
      lint: { errors: [], warnings: lint.warnings } as never,
    },
    update: { engineKey, checksum, xml },
  });
  deps.logger.info(
    { process: process.bpmnProcessId, version: process.version, engineKey },
    `deployed ${name}`,
  );
  return {
    bpmnProcessId: process.bpmnProcessId,
    version: process.version,
    engineKey,
    resourceName: name,
    deployed: true,
  };
}
