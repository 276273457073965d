/**
 * Decisions as DeployResource stored them (zb_decision rows, the DRG's XML in zb_drg): finding the
 * decision a request or a business-rule task names, evaluating it in its stored DRG, and shaping the
 * outcome as Zeebe's decision evaluation record (keys and versions of every evaluated decision, JSON
 * documents as text). Parsed DRGs are cached per engine by DRG key (a stored DRG never changes).
 */
import {
  DEFAULT_TENANT,
  EngineError,
  type EvaluatedDecision,
  type EvaluateDecisionResponse,
} from '../api.ts';
import type { Feel } from '../feel/index.ts';
import type { Db, Row } from '../store/db.ts';
import { evaluateDrg } from './evaluate.ts';
import { readDrg, type DrgModel } from './model.ts';

export interface StoredDecision {
  key: number;
  decisionId: string;
  name: string;
  version: number;
  drgKey: number;
  drgId: string;
}

const fromRow = (r: Row): StoredDecision => ({
  key: Number(r.key),
  decisionId: String(r.decision_id),
  name: String(r.name),
  version: Number(r.version),
  drgKey: Number(r.drg_key),
  drgId: String(r.drg_id),
});

export async function decisionByKey(db: Db, key: number): Promise<StoredDecision | undefined> {
  const [row] = await db.all(`SELECT * FROM zb_decision WHERE key = ?`, [key]);
  return row ? fromRow(row) : undefined;
}

export async function latestDecision(db: Db, decisionId: string): Promise<StoredDecision | undefined> {
  const [row] = await db.all(
    `SELECT * FROM zb_decision WHERE decision_id = ? ORDER BY version DESC LIMIT 1`,
    [decisionId],
  );
  return row ? fromRow(row) : undefined;
}

/** The version of a decision deployed together with a process (binding type `deployment`). */
export async function decisionOfDeployment(
  db: Db,
  decisionId: string,
  deploymentKey: number,
): Promise<StoredDecision | undefined> {
  const [row] = await db.all(
    `SELECT d.* FROM zb_decision d JOIN zb_drg g ON g.key = d.drg_key WHERE d.decision_id = ? AND g.deployment_key = ?`,
    [decisionId, deploymentKey],
  );
  return row ? fromRow(row) : undefined;
}

/** The newest version of a decision whose DMN carries `<zeebe:versionTag value=tag>` (binding type versionTag). */
export async function decisionWithVersionTag(
  db: Db,
  owner: object,
  decisionId: string,
  versionTag: string,
): Promise<StoredDecision | undefined> {
  for (const row of await db.all(`SELECT * FROM zb_decision WHERE decision_id = ? ORDER BY version DESC`, [
    decisionId,
  ])) {
    const decision = fromRow(row);
    const drg = await drgOf(db, owner, decision.drgKey);
    if (drg.decisions.get(decisionId)?.versionTag === versionTag) return decision;
  }
  return undefined;
}

/** Parsed DRGs by key, one cache per engine (keyed by an object the engine owns). */
const caches = new WeakMap<object, Map<number, DrgModel>>();
const CACHE_LIMIT = 256;

async function drgOf(db: Db, owner: object, drgKey: number): Promise<DrgModel> {
  let cache = caches.get(owner);
  if (!cache) caches.set(owner, (cache = new Map()));
  const have = cache.get(drgKey);
  if (have) return have;
  const [row] = await db.all(`SELECT xml FROM zb_drg WHERE key = ?`, [drgKey]);
  const parsed = row ? readDrg(String(row.xml)) : { problem: 'the decision requirements are gone' };
  if ('problem' in parsed)
    throw new EngineError(
      'INTERNAL',
      `stored decision requirements ${drgKey} no longer parse: ${parsed.problem}`,
    );
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(drgKey, parsed);
  return parsed;
}

/**
 * Evaluates a stored decision with `variables`. `owner` keys the parse cache (the engine's Models).
 * A failed evaluation is returned, not thrown: the caller decides (an answer, or an incident).
 */
export async function evaluateStored(
  db: Db,
  feel: Feel,
  owner: object,
  decision: StoredDecision,
  variables: Record<string, unknown>,
  decisionInstanceKey: number,
): Promise<EvaluateDecisionResponse & { output: unknown }> {
  const drg = await drgOf(db, owner, decision.drgKey);
  const result = evaluateDrg(feel, drg, decision.decisionId, variables);
  // keys and versions of the other decisions of the same DRG version
  const siblings = new Map(
    (await db.all(`SELECT * FROM zb_decision WHERE drg_key = ?`, [decision.drgKey])).map((r) => [
      String(r.decision_id),
      fromRow(r),
    ]),
  );
  const text = (v: unknown) => JSON.stringify(v ?? null);
  const evaluatedDecisions: EvaluatedDecision[] = result.evaluated.map((d) => {
    const stored = siblings.get(d.decisionId);
    return {
      decisionKey: String(stored?.key ?? 0),
      decisionId: d.decisionId,
      decisionName: d.decisionName,
      decisionVersion: stored?.version ?? decision.version,
      decisionType: d.decisionType,
      decisionOutput: text(d.decisionOutput),
      matchedRules: d.matchedRules.map((m) => ({
        ruleId: m.ruleId,
        ruleIndex: m.ruleIndex,
        evaluatedOutputs: m.evaluatedOutputs.map((o) => ({ ...o, outputValue: text(o.outputValue) })),
      })),
      evaluatedInputs: d.evaluatedInputs.map((i) => ({ ...i, inputValue: text(i.inputValue) })),
      tenantId: DEFAULT_TENANT,
    };
  });
  return {
    output: result.output,
    decisionKey: String(decision.key),
    decisionId: decision.decisionId,
    decisionName: decision.name,
    decisionVersion: decision.version,
    decisionRequirementsId: decision.drgId,
    decisionRequirementsKey: String(decision.drgKey),
    decisionOutput: text(result.output),
    evaluatedDecisions,
    failedDecisionId: result.failure?.decisionId ?? '',
    failureMessage: result.failure?.message ?? '',
    tenantId: DEFAULT_TENANT,
    decisionInstanceKey: String(decisionInstanceKey),
  };
}
