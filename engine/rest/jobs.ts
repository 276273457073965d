/**
 * The job commands of Camunda 8.8's REST API (v2), what a REST job worker
 * (@camunda8/orchestration-cluster-api's createJobWorker) calls:
 *
 *   POST /v2/jobs/activation          {type, timeout, maxJobsToActivate, worker?, fetchVariable?,
 *                                      requestTimeout?, tenantIds?}                  → 200 {jobs: […]}
 *   POST /v2/jobs/{jobKey}/completion {variables?}                                   → 204
 *   POST /v2/jobs/{jobKey}/failure    {retries?, errorMessage?, retryBackOff?, variables?} → 204
 *   POST /v2/jobs/{jobKey}/error      {errorCode, errorMessage?, variables?}         → 204
 *   PATCH /v2/jobs/{jobKey}           {changeset: {retries?, timeout?}, operationReference?} → 204
 *
 * Activation long-polls as the gRPC gateway does (the same poller, gateway/long-poll.ts): requestTimeout
 * 0 or absent waits up to 10 s for jobs, < 0 answers at once. The engine answers 404 for an unknown job
 * key and 409 (FAILED_PRECONDITION) for a job that is not activated.
 */
import type { ActivatedJob, Engine, EngineLogger } from '../api.ts';
import { DEFAULT_LONG_POLL_MS } from '../gateway/handlers.ts';
import { createJobPoller } from '../gateway/long-poll.ts';
import { invalid } from '../query/search.ts';
import { int, objectOf, pathKey, str, strings, variables, type RestIo, type Route } from './body.ts';

/** A completion or failure carries the job's variables: up to Zeebe's default message size. */
const MAX_JOB_BODY_BYTES = 4 * 1024 * 1024;

/** The v2 ActivatedJobResult: keys as strings, the job key named jobKey. */
function jobResult(job: ActivatedJob) {
  return {
    type: job.type,
    processDefinitionId: job.bpmnProcessId,
    processDefinitionVersion: job.processDefinitionVersion,
    elementId: job.elementId,
    customHeaders: job.customHeaders,
    worker: job.worker,
    retries: job.retries,
    deadline: job.deadline,
    variables: job.variables,
    tenantId: job.tenantId,
    jobKey: job.key,
    processInstanceKey: job.processInstanceKey,
    processDefinitionKey: job.processDefinitionKey,
    elementInstanceKey: job.elementInstanceKey,
    // The engine's activation does not tell listener jobs apart (the job search does, by `kind`).
    kind: 'BPMN_ELEMENT',
    listenerEventType: 'UNSPECIFIED',
  };
}

export function jobRoutes(
  engine: Engine,
  logger: EngineLogger,
  io: RestIo,
): { routes: Route[]; close(): void } {
  const poller = createJobPoller(engine, logger);
  const jobKey = (k: string) => pathKey(k, 'jobKey');
  const readBody = async (req: Parameters<RestIo['readJson']>[0], known: string[], what: string) =>
    objectOf(await io.readJson(req, MAX_JOB_BODY_BYTES), known, what);

  const routes: Route[] = [
    [
      'POST',
      /^\/v2\/jobs\/activation$/,
      async (_m, req, res) => {
        const b = await readBody(
          req,
          ['type', 'worker', 'timeout', 'maxJobsToActivate', 'fetchVariable', 'requestTimeout', 'tenantIds'],
          'the job activation request',
        );
        const request = {
          type: str(b, 'type', true),
          worker: str(b, 'worker') ?? '',
          timeout: int(b, 'timeout', true, 1),
          maxJobsToActivate: int(b, 'maxJobsToActivate', true, 1),
          fetchVariable: strings(b, 'fetchVariable'),
          tenantIds: strings(b, 'tenantIds'),
        };
        const requested = int(b, 'requestTimeout') ?? 0;
        await new Promise<void>((resolve, reject) => {
          let answered = false;
          const answer = (jobs: ActivatedJob[]) => {
            if (answered || res.destroyed) return false;
            answered = true;
            io.send(res, 200, { jobs: jobs.map(jobResult) });
            resolve();
            return true;
          };
          poller.activate({
            request,
            waitMs: requested < 0 ? -1 : requested === 0 ? DEFAULT_LONG_POLL_MS : requested,
            deliver: answer,
            finish: () => void answer([]),
            fail(err) {
              // Answered by index.ts as problem+json (404, 400, …) through the rejected handler.
              answered = true;
              reject(err);
            },
            onCancel(listener) {
              res.once('close', () => {
                if (!answered) {
                  answered = true;
                  resolve();
                  listener();
                }
              });
            },
          });
        });
      },
    ],
    [
      'POST',
      /^\/v2\/jobs\/([^/]+)\/completion$/,
      async ([k], req, res) => {
        const key = jobKey(k!);
        const b = await readBody(req, ['variables', 'result'], 'the job completion request');
        if (b.result !== undefined)
          throw invalid(
            'result is not supported by this engine (job results of user-task listeners and ad-hoc sub-processes)',
          );
        await engine.completeJob({ jobKey: key, variables: variables(b) });
        io.send(res, 204);
      },
    ],
    [
      'POST',
      /^\/v2\/jobs\/([^/]+)\/failure$/,
      async ([k], req, res) => {
        const key = jobKey(k!);
        const b = await readBody(
          req,
          ['retries', 'errorMessage', 'retryBackOff', 'variables'],
          'the job failure request',
        );
        await engine.failJob({
          jobKey: key,
          retries: int(b, 'retries', false, 0) ?? 0,
          errorMessage: str(b, 'errorMessage'),
          retryBackOff: int(b, 'retryBackOff', false, 0),
          variables: variables(b),
        });
        io.send(res, 204);
      },
    ],
    [
      'POST',
      /^\/v2\/jobs\/([^/]+)\/error$/,
      async ([k], req, res) => {
        const key = jobKey(k!);
        const b = await readBody(req, ['errorCode', 'errorMessage', 'variables'], 'the job error request');
        await engine.throwError({
          jobKey: key,
          errorCode: str(b, 'errorCode', true),
          errorMessage: str(b, 'errorMessage'),
          variables: variables(b),
        });
        io.send(res, 204);
      },
    ],
    [
      'PATCH',
      /^\/v2\/jobs\/([^/]+)$/,
      async ([k], req, res) => {
        const key = jobKey(k!);
        const b = await readBody(req, ['changeset', 'operationReference'], 'the job update request');
        const c = objectOf(b.changeset ?? {}, ['retries', 'timeout'], 'changeset');
        const retries = int(c, 'retries', false, 1);
        const timeout = int(c, 'timeout', false, 0);
        if (retries === undefined && timeout === undefined)
          throw invalid('changeset must set retries or timeout');
        if (retries !== undefined) await engine.updateJobRetries({ jobKey: key, retries });
        if (timeout !== undefined) await engine.updateJobTimeout({ jobKey: key, timeout });
        io.send(res, 204);
      },
    ],
  ];
  return { routes, close: () => poller.close() };
}
