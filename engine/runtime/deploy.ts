/**
 * DeployResource and DeleteResource: validation of every resource first (one invalid resource rejects
 * the deployment), then versioning (unchanged XML keeps its version and key), then the start-event
 * subscriptions of the new latest version (timer, message, signal start events).
 */
import { createHash } from 'node:crypto';
import {
  EngineError,
  type DeployResourceRequest,
  type DeployResourceResponse,
  type ProcessMetadata,
} from '../api.ts';
import { parseBpmn } from '../model/parse.ts';
import type { ProcessModel } from '../model/types.ts';
import { Bpmn } from './bpmn.ts';
import { IncidentSignal, type Run } from './run.ts';

const DEFAULT_TENANT = '<default>';

export async function deploy(run: Run, req: DeployResourceRequest): Promise<DeployResourceResponse> {
  if (!req.resources.length)
    throw new EngineError('INVALID_ARGUMENT', 'Expected to deploy at least one resource, but none given');
  const errors: string[] = [];
  const parsed: { name: string; xml: string; checksum: string; processes: ProcessModel[] }[] = [];
  for (const r of req.resources) {
    const xml = typeof r.content === 'string' ? r.content : Buffer.from(r.content).toString('utf8');
    if (!/\.(bpmn|xml)$/i.test(r.name)) {
      errors.push(
        `'${r.name}': Resources of this type are not supported (only BPMN processes: .bpmn or .xml)`,
      );
      continue;
    }
    const result = await parseBpmn(xml, run.feel);
    if ('problems' in result) errors.push(`'${r.name}': ${result.problems.render()}`);
    else
      parsed.push({
        name: r.name,
        xml,
        checksum: createHash('sha256').update(xml).digest('hex'),
        processes: result.processes,
      });
  }
  const seen = new Map<string, string>();
  for (const p of parsed)
    for (const proc of p.processes) {
      const other = seen.get(proc.bpmnProcessId);
      if (other) errors.push(`Duplicated process id in resources '${other}' and '${p.name}'`);
      seen.set(proc.bpmnProcessId, p.name);
    }
  if (errors.length)
    throw new EngineError(
      'INVALID_ARGUMENT',
      `Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources, but encountered the following errors:\n${errors.join('\n')}`,
    );

  const db = run.uow.db;
  // also when this command is rolled back: the cache is re-read from the database
  run.models.invalidate();
  const deploymentKey = run.keys.take();
  await db.run(`INSERT INTO zb_deployment (key, created_at) VALUES (?, ?)`, [deploymentKey, run.now]);
  const deployments: { process: ProcessMetadata }[] = [];
  for (const p of parsed)
    for (const proc of p.processes) {
      const [latest] = await db.all(
        `SELECT key, version, checksum, resource_name, deleted FROM zb_process WHERE bpmn_process_id = ? ORDER BY version DESC LIMIT 1`,
        [proc.bpmnProcessId],
      );
      if (
        latest &&
        Number(latest.deleted) === 0 &&
        latest.checksum === p.checksum &&
        latest.resource_name === p.name
      ) {
        deployments.push({
          process: meta(proc.bpmnProcessId, Number(latest.version), Number(latest.key), p.name),
        });
        continue;
      }
      const key = run.keys.take();
      const version = latest ? Number(latest.version) + 1 : 1;
      await db.run(
        `INSERT INTO zb_process (key, bpmn_process_id, version, resource_name, checksum, deployment_key, xml, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
        [key, proc.bpmnProcessId, version, p.name, p.checksum, deploymentKey, p.xml],
      );
      await replaceStartEvents(run, proc, key);
      deployments.push({ process: meta(proc.bpmnProcessId, version, key, p.name) });
    }
  return { key: String(deploymentKey), deployments, tenantId: DEFAULT_TENANT };
}

function meta(bpmnProcessId: string, version: number, key: number, resourceName: string): ProcessMetadata {
  return {
    bpmnProcessId,
    version,
    processDefinitionKey: String(key),
    resourceName,
    tenantId: DEFAULT_TENANT,
  };
}

/** The newest version owns the start-event timers and subscriptions; older versions lose theirs. */
async function replaceStartEvents(run: Run, proc: ProcessModel, processKey: number | null) {
  const db = run.uow.db;
  await db.run(
    `DELETE FROM zb_timer WHERE pi_key IS NULL AND process_key IN (SELECT key FROM zb_process WHERE bpmn_process_id = ?)`,
    [proc.bpmnProcessId],
  );
  await db.run(
    `DELETE FROM zb_subscription WHERE kind IN ('message-start', 'signal-start') AND bpmn_process_id = ?`,
    [proc.bpmnProcessId],
  );
  if (processKey === null) return;
  const bpmn = new Bpmn(run);
  for (const start of proc.root.children.filter((c) => c.kind === 'START_EVENT')) {
    const def = start.event;
    if (def?.kind === 'timer') {
      let t;
      try {
        t = bpmn.timerSchedule(def, {}, run.now);
      } catch (e) {
        if (e instanceof IncidentSignal)
          throw new EngineError(
            'INVALID_ARGUMENT',
            `Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources, but encountered the following errors:\n- Element: ${start.id}\n    - ERROR: ${e.message}`,
          );
        throw e;
      }
      run.uow.timers.insert({
        key: run.keys.take(),
        piKey: null,
        elementInstanceKey: null,
        processKey,
        elementId: start.id,
        ...t,
      });
      run.noteDue(t.due);
    } else if (def?.kind === 'message' || def?.kind === 'signal') {
      const name = 'static' in def.name ? def.name.static : String(run.evaluate(def.name.feel, {}));
      run.uow.subs.insert({
        key: run.keys.take(),
        kind: def.kind === 'message' ? 'message-start' : 'signal-start',
        name,
        correlationKey: '',
        piKey: null,
        elementInstanceKey: null,
        processKey,
        bpmnProcessId: proc.bpmnProcessId,
        elementId: start.id,
        interrupting: true,
      });
    }
  }
}

/** DeleteResource for a process definition: cancels its instances; the previous version takes over start events. */
export async function deleteProcess(run: Run, key: number) {
  const db = run.uow.db;
  const [row] = await db.all(`SELECT bpmn_process_id FROM zb_process WHERE key = ? AND deleted = 0`, [key]);
  if (!row)
    throw new EngineError(
      'NOT_FOUND',
      `Command 'DELETE' rejected with code 'NOT_FOUND': Expected to delete resource but no resource found with key \`${key}\``,
    );
  const bpmn = new Bpmn(run);
  for (const r of await db.all(
    `SELECT key FROM zb_process_instance WHERE process_key = ? AND parent_pi_key IS NULL`,
    [key],
  )) {
    const pi = await run.uow.instance(Number(r.key));
    if (pi) await bpmn.cancelInstance(pi);
  }
  await db.run(`UPDATE zb_process SET deleted = 1 WHERE key = ?`, [key]);
  run.models.forget(key);
  const bpmnProcessId = String(row.bpmn_process_id);
  const previous = await run.models.latest(db, bpmnProcessId);
  if (previous) await replaceStartEvents(run, previous.model, previous.key);
  else {
    await db.run(`DELETE FROM zb_timer WHERE pi_key IS NULL AND process_key = ?`, [key]);
    await db.run(
      `DELETE FROM zb_subscription WHERE kind IN ('message-start', 'signal-start') AND process_key = ?`,
      [key],
    );
  }
}
