/**
 * DeployResource and DeleteResource: validation of every resource first (one invalid resource rejects
 * the deployment), then versioning (unchanged XML keeps its version and key), then the start-event
 * subscriptions of the new latest version (timer, message, signal start events).
 */
import { createHash } from 'node:crypto';
import {
  EngineError,
  type DecisionMetadata,
  type DecisionRequirementsMetadata,
  type DeployResourceRequest,
  type DeployResourceResponse,
  type FormMetadata,
  type ProcessMetadata,
} from '../api.ts';
import { parseBpmn, ResourceProblems } from '../model/parse.ts';
import { dmnProblems } from '../decision/model.ts';
import { parseDmn, parseForm, type ParsedDrg } from '../model/resources.ts';
import type { ProcessModel } from '../model/types.ts';
import { parseCycle } from '../feel/index.ts';
import { Bpmn, cycleTooShort } from './bpmn.ts';
import type { Row } from '../store/db.ts';
import { IncidentSignal, type Run } from './run.ts';

const DEFAULT_TENANT = '<default>';

export async function deploy(run: Run, req: DeployResourceRequest): Promise<DeployResourceResponse> {
  if (!req.resources.length)
    throw new EngineError('INVALID_ARGUMENT', 'Expected to deploy at least one resource, but none given');
  const errors: string[] = [];
  const parsed: { name: string; xml: string; checksum: string; processes: ProcessModel[] }[] = [];
  const drgs: { name: string; xml: string; checksum: string; drg: ParsedDrg }[] = [];
  const forms: { name: string; content: string; checksum: string; formId: string }[] = [];
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  for (const r of req.resources) {
    const xml = typeof r.content === 'string' ? r.content : Buffer.from(r.content).toString('utf8');
    if (/\.dmn$/i.test(r.name)) {
      const drg = parseDmn(xml);
      // decisions are evaluated by the engine: what could never evaluate is refused now, as Zeebe does
      const problems = 'problem' in drg ? [drg.problem] : dmnProblems(xml, run.feel);
      if ('problem' in drg || problems.length) errors.push(...problems.map((p) => `'${r.name}': ${p}`));
      else drgs.push({ name: r.name, xml, checksum: sha(xml), drg });
      continue;
    }
    if (/\.form$/i.test(r.name)) {
      const form = parseForm(xml);
      if ('problem' in form) errors.push(`'${r.name}': ${form.problem}`);
      else forms.push({ name: r.name, content: xml, checksum: sha(xml), formId: form.id });
      continue;
    }
    if (!/\.(bpmn|xml)$/i.test(r.name)) {
      errors.push(
        `'${r.name}': Resources of this type are not supported (BPMN .bpmn or .xml, DMN .dmn, forms .form)`,
      );
      continue;
    }
    const result = await parseBpmn(xml, run.feel);
    if ('problems' in result) errors.push(`'${r.name}': ${result.problems.render()}`);
    else
      parsed.push({
        name: r.name,
        xml,
        checksum: sha(xml),
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
  // bindingType="deployment" with a static process id: the called process must come with this deployment
  for (const p of parsed) {
    const problems = new ResourceProblems();
    // A static timer cycle that repeats more often than the minimum (R/PT0.001S started ~550 instances
    // a second for ever) is refused now rather than found when it fires.
    for (const proc of p.processes)
      for (const node of proc.nodes.values()) {
        const def = node.event;
        if (def?.kind !== 'timer' || def.timerType !== 'cycle' || !('static' in def.expression)) continue;
        const cycle = parseCycle(def.expression.static, new Date(run.now));
        if ('error' in cycle) continue;
        const tooShort = cycleTooShort(cycle, run.now, run.limits.timerMinCycleMs);
        if (tooShort)
          problems.add(node.id, `Expected a valid timer cycle '${def.expression.static}', but ${tooShort}`);
      }
    for (const proc of p.processes)
      for (const node of proc.nodes.values())
        if (node.call?.bindingType === 'deployment' && 'static' in node.call.processId) {
          const called = node.call.processId.static;
          if (!seen.has(called))
            problems.add(
              node.id,
              `Expected to find process with id '${called}' in current deployment, but not found.`,
            );
        }
    if (problems.items.length) errors.push(`'${p.name}': ${problems.render()}`);
  }
  const ids = new Map<string, string>();
  const unique = (kind: string, id: string, name: string) => {
    const other = ids.get(`${kind}\u0000${id}`);
    if (other) errors.push(`Duplicated ${kind} id '${id}' in resources '${other}' and '${name}'`);
    ids.set(`${kind}\u0000${id}`, name);
  };
  for (const d of drgs) {
    unique('decision requirements', d.drg.id, d.name);
    for (const decision of d.drg.decisions) unique('decision', decision.id, d.name);
  }
  for (const f of forms) unique('form', f.formId, f.name);
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
  const latestOf = new Map<string, Row | undefined>();
  for (const p of parsed)
    for (const proc of p.processes) {
      const [latest] = await db.all(
        `SELECT key, version, checksum, resource_name, deleted FROM zb_process WHERE bpmn_process_id = ? ORDER BY version DESC LIMIT 1`,
        [proc.bpmnProcessId],
      );
      latestOf.set(proc.bpmnProcessId, latest);
    }
  const unchanged = (latest: Row | undefined, checksum: string, name: string) =>
    !!latest &&
    Number(latest.deleted ?? 0) === 0 &&
    latest.checksum === checksum &&
    latest.resource_name === name;
  // Zeebe (8.6+): when any resource of a deployment changed, every resource in it gets a new version,
  // so that bindingType="deployment" always finds the versions that were deployed together.
  const forceNew =
    parsed.some((p) =>
      p.processes.some((proc) => !unchanged(latestOf.get(proc.bpmnProcessId), p.checksum, p.name)),
    ) || !(await allUnchanged(run, drgs, forms));
  for (const p of parsed)
    for (const proc of p.processes) {
      const latest = latestOf.get(proc.bpmnProcessId);
      if (!forceNew && latest && unchanged(latest, p.checksum, p.name)) {
        deployments.push({
          process: meta(proc.bpmnProcessId, Number(latest.version), Number(latest.key), p.name),
        });
        continue;
      }
      const key = run.keys.take();
      const version = latest ? Number(latest.version) + 1 : 1;
      await db.run(
        `INSERT INTO zb_process (key, bpmn_process_id, version, resource_name, checksum, deployment_key, xml, deleted, version_tag) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
        [key, proc.bpmnProcessId, version, p.name, p.checksum, deploymentKey, p.xml, proc.versionTag ?? null],
      );
      await replaceStartEvents(run, proc, key);
      deployments.push({ process: meta(proc.bpmnProcessId, version, key, p.name) });
    }
  const stored = await storeDecisions(run, drgs, deploymentKey, forceNew);
  return {
    key: String(deploymentKey),
    deployments,
    ...stored,
    forms: await storeForms(run, forms, deploymentKey, forceNew),
    tenantId: DEFAULT_TENANT,
  };
}

/**
 * Versions DMN resources like Zeebe: an unchanged resource (same content and name as the latest version
 * of its decision requirements id) keeps its keys; otherwise the DRG and each of its decisions get a new
 * version and key.
 */
async function storeDecisions(
  run: Run,
  drgs: { name: string; xml: string; checksum: string; drg: ParsedDrg }[],
  deploymentKey: number,
  forceNew: boolean,
): Promise<{ decisionRequirements: DecisionRequirementsMetadata[]; decisions: DecisionMetadata[] }> {
  const db = run.uow.db;
  const decisionRequirements: DecisionRequirementsMetadata[] = [];
  const decisions: DecisionMetadata[] = [];
  for (const d of drgs) {
    const [latest] = await db.all(
      `SELECT key, version, checksum, resource_name FROM zb_drg WHERE drg_id = ? ORDER BY version DESC LIMIT 1`,
      [d.drg.id],
    );
    let drgKey: number;
    let version: number;
    if (!forceNew && latest && latest.checksum === d.checksum && latest.resource_name === d.name) {
      drgKey = Number(latest.key);
      version = Number(latest.version);
      for (const r of await db.all(
        `SELECT key, decision_id, name, version FROM zb_decision WHERE drg_key = ? ORDER BY key`,
        [drgKey],
      ))
        decisions.push(
          decisionMeta(
            String(r.decision_id),
            String(r.name),
            Number(r.version),
            Number(r.key),
            d.drg.id,
            drgKey,
          ),
        );
    } else {
      drgKey = run.keys.take();
      version = latest ? Number(latest.version) + 1 : 1;
      await db.run(
        `INSERT INTO zb_drg (key, drg_id, name, version, resource_name, checksum, deployment_key, xml) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [drgKey, d.drg.id, d.drg.name, version, d.name, d.checksum, deploymentKey, d.xml],
      );
      for (const decision of d.drg.decisions) {
        const [last] = await db.all(`SELECT MAX(version) AS v FROM zb_decision WHERE decision_id = ?`, [
          decision.id,
        ]);
        const decisionVersion = Number(last?.v ?? 0) + 1;
        const key = run.keys.take();
        await db.run(
          `INSERT INTO zb_decision (key, decision_id, name, version, drg_key, drg_id) VALUES (?, ?, ?, ?, ?, ?)`,
          [key, decision.id, decision.name, decisionVersion, drgKey, d.drg.id],
        );
        decisions.push(decisionMeta(decision.id, decision.name, decisionVersion, key, d.drg.id, drgKey));
      }
    }
    decisionRequirements.push({
      dmnDecisionRequirementsId: d.drg.id,
      dmnDecisionRequirementsName: d.drg.name,
      version,
      decisionRequirementsKey: String(drgKey),
      resourceName: d.name,
      tenantId: DEFAULT_TENANT,
    });
  }
  return { decisionRequirements, decisions };
}

function decisionMeta(
  id: string,
  name: string,
  version: number,
  key: number,
  drgId: string,
  drgKey: number,
): DecisionMetadata {
  return {
    dmnDecisionId: id,
    dmnDecisionName: name,
    version,
    decisionKey: String(key),
    dmnDecisionRequirementsId: drgId,
    decisionRequirementsKey: String(drgKey),
    tenantId: DEFAULT_TENANT,
  };
}

/** Versions forms by their id; an unchanged form (same content and name as its latest version) keeps its key. */
async function storeForms(
  run: Run,
  forms: { name: string; content: string; checksum: string; formId: string }[],
  deploymentKey: number,
  forceNew: boolean,
): Promise<FormMetadata[]> {
  const db = run.uow.db;
  const out: FormMetadata[] = [];
  for (const f of forms) {
    const [latest] = await db.all(
      `SELECT key, version, checksum, resource_name FROM zb_form WHERE form_id = ? ORDER BY version DESC LIMIT 1`,
      [f.formId],
    );
    let key: number;
    let version: number;
    if (!forceNew && latest && latest.checksum === f.checksum && latest.resource_name === f.name) {
      key = Number(latest.key);
      version = Number(latest.version);
    } else {
      key = run.keys.take();
      version = latest ? Number(latest.version) + 1 : 1;
      await db.run(
        `INSERT INTO zb_form (key, form_id, version, resource_name, checksum, deployment_key, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [key, f.formId, version, f.name, f.checksum, deploymentKey, f.content],
      );
    }
    out.push({
      formId: f.formId,
      version,
      formKey: String(key),
      resourceName: f.name,
      tenantId: DEFAULT_TENANT,
    });
  }
  return out;
}

/** Whether every DMN and form resource equals the latest version of its id (same content and name). */
async function allUnchanged(
  run: Run,
  drgs: { name: string; checksum: string; drg: ParsedDrg }[],
  forms: { name: string; checksum: string; formId: string }[],
): Promise<boolean> {
  const db = run.uow.db;
  for (const d of drgs) {
    const [latest] = await db.all(
      `SELECT checksum, resource_name FROM zb_drg WHERE drg_id = ? ORDER BY version DESC LIMIT 1`,
      [d.drg.id],
    );
    if (!latest || latest.checksum !== d.checksum || latest.resource_name !== d.name) return false;
  }
  for (const f of forms) {
    const [latest] = await db.all(
      `SELECT checksum, resource_name FROM zb_form WHERE form_id = ? ORDER BY version DESC LIMIT 1`,
      [f.formId],
    );
    if (!latest || latest.checksum !== f.checksum || latest.resource_name !== f.name) return false;
  }
  return true;
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
