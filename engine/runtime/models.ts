/**
 * Deployed process definitions: the rows in zb_process and their parsed models. Parsed models are
 * cached by definition key (definitions are immutable); instance state never is.
 */
import type { Feel } from '../feel/index.ts';
import { parseBpmn } from '../model/parse.ts';
import type { ProcessModel } from '../model/types.ts';
import type { Db, Row } from '../store/db.ts';

export interface ProcessRecord {
  key: number;
  bpmnProcessId: string;
  version: number;
  resourceName: string;
  checksum: string;
  deploymentKey: number;
  /** zeebe:versionTag of the process, if it has one. */
  versionTag: string | undefined;
  deleted: boolean;
  model: ProcessModel;
}

export class Models {
  private readonly cache = new Map<number, ProcessRecord>();
  constructor(private readonly feel: Feel) {}

  forget(key: number) {
    this.cache.delete(key);
    this.invalidate();
  }

  async byKey(db: Db, key: number): Promise<ProcessRecord | undefined> {
    const have = this.cache.get(key);
    if (have) return have;
    const [row] = await db.all(`SELECT * FROM zb_process WHERE key = ?`, [key]);
    return row ? this.fromRow(row) : undefined;
  }

  /** Latest version key per process id; cleared by every deployment or deletion (see invalidate). */
  private readonly latestKeys = new Map<string, number>();

  /** Forgets the cached latest versions (a deploy or delete may have changed them). */
  invalidate() {
    this.latestKeys.clear();
  }

  /** Latest non-deleted version of a process id. */
  async latest(db: Db, bpmnProcessId: string): Promise<ProcessRecord | undefined> {
    const known = this.latestKeys.get(bpmnProcessId);
    if (known !== undefined) return this.byKey(db, known);
    const found = await this.queryLatest(db, bpmnProcessId);
    if (found) this.latestKeys.set(bpmnProcessId, found.key);
    return found;
  }

  private async queryLatest(db: Db, bpmnProcessId: string): Promise<ProcessRecord | undefined> {
    const [row] = await db.all(
      `SELECT key FROM zb_process WHERE bpmn_process_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1`,
      [bpmnProcessId],
    );
    return row ? this.byKey(db, Number(row.key)) : undefined;
  }

  async byVersion(db: Db, bpmnProcessId: string, version: number): Promise<ProcessRecord | undefined> {
    const [row] = await db.all(
      `SELECT key FROM zb_process WHERE bpmn_process_id = ? AND version = ? AND deleted = 0`,
      [bpmnProcessId, version],
    );
    return row ? this.byKey(db, Number(row.key)) : undefined;
  }

  /** Call activities with binding type `versionTag`: the newest version carrying the tag. */
  async byVersionTag(db: Db, bpmnProcessId: string, versionTag: string): Promise<ProcessRecord | undefined> {
    const [row] = await db.all(
      `SELECT key FROM zb_process WHERE bpmn_process_id = ? AND version_tag = ? AND deleted = 0 ORDER BY version DESC LIMIT 1`,
      [bpmnProcessId, versionTag],
    );
    return row ? this.byKey(db, Number(row.key)) : undefined;
  }

  /** Call activities with binding type `deployment`: the version deployed in the given deployment. */
  async inDeployment(
    db: Db,
    bpmnProcessId: string,
    deploymentKey: number,
  ): Promise<ProcessRecord | undefined> {
    const [row] = await db.all(
      `SELECT key FROM zb_process WHERE bpmn_process_id = ? AND deployment_key = ? AND deleted = 0`,
      [bpmnProcessId, deploymentKey],
    );
    return row ? this.byKey(db, Number(row.key)) : undefined;
  }

  private async fromRow(row: Row): Promise<ProcessRecord> {
    const parsed = await parseBpmn(String(row.xml), this.feel);
    if ('problems' in parsed)
      throw new Error(`stored process ${String(row.key)} no longer parses: ${parsed.problems.render()}`);
    const model = parsed.processes.find((p) => p.bpmnProcessId === row.bpmn_process_id);
    if (!model)
      throw new Error(`stored resource of process ${String(row.key)} lacks '${String(row.bpmn_process_id)}'`);
    const record: ProcessRecord = {
      key: Number(row.key),
      bpmnProcessId: String(row.bpmn_process_id),
      version: Number(row.version),
      resourceName: String(row.resource_name),
      checksum: String(row.checksum),
      deploymentKey: Number(row.deployment_key),
      versionTag:
        row.version_tag === null || row.version_tag === undefined ? undefined : String(row.version_tag),
      deleted: Number(row.deleted) === 1,
      model,
    };
    this.cache.set(record.key, record);
    return record;
  }
}
