/**
 * Deploys the procedures in processes/ when they changed: each BPMN file is linted with the Camunda 8.8
 * rules (an error refuses the deployment, naming the element), deployed through the Zeebe client, and
 * recorded as a ProcessVersion row with the engine's key (versions.ts). An unchanged file (same checksum
 * as the version last deployed from it) is not deployed again, so restarts create no new versions and
 * do not undo what an administrator deployed since.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { ZeebeClient } from '../zeebe.ts';
import { checksumOf, deployXml } from './versions.ts';

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
  const { db, name, xml } = deps;
  // Compared with what was last deployed FROM THE FILE (deployedBy null): a newer version an
  // administrator deployed from the designer stays in force until the shipped file itself changes.
  const known = await db.prisma.processVersion.findFirst({
    where: { resourceName: name, deployedBy: null },
    orderBy: [{ deployedAt: 'desc' }, { version: 'desc' }],
  });
  if (known?.checksum === checksumOf(xml) && known.engineKey) {
    return {
      bpmnProcessId: known.bpmnProcessId,
      version: known.version,
      engineKey: known.engineKey,
      resourceName: name,
      deployed: false,
    };
  }
  const { processes } = await deployXml(deps);
  const first = processes[0]!;
  return {
    bpmnProcessId: first.bpmnProcessId,
    version: first.version,
    engineKey: first.engineKey,
    resourceName: name,
    deployed: true,
  };
}
