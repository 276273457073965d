/**
 * The Gateway service implementation: one handler per RPC of `gateway_protocol.Gateway`, each validating
 * its request, calling the engine and shaping the answer. RPCs the embedded engine does not implement
 * answer UNIMPLEMENTED with a message naming them, never a silent wrong answer.
 */
import {
  Metadata,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { EngineApi, EngineLogger } from '../api.ts';
import type { JobPoller } from './long-poll.ts';
import * as req from './requests.ts';
import type { Wire } from './requests.ts';
import { jobBatches, wireJob } from './responses.ts';
import { grpcError, toServiceError } from './status.ts';

/** Zeebe's gateway default for ActivateJobs long polling when the request names no timeout. */
export const DEFAULT_LONG_POLL_MS = 10_000;

/**
 * Margin kept before a call's gRPC deadline so the answer arrives before the client gives up, even with
 * a busy event loop on either side.
 */
const DEADLINE_MARGIN_MS = 500;

/**
 * Response headers of unary calls: `grpc-accept-encoding: identity` (grpc-js advertises gzip by default)
 * tells clients to stop compressing their requests. @camunda8/sdk gzips every request, which on a local
 * connection buys nothing and cost about a sixth of the CPU of a created-and-completed instance (client
 * and engine share one process in the hub). Compressed requests are still accepted.
 */
function identityOnly(): Metadata {
  const m = new Metadata();
  m.set('grpc-accept-encoding', 'identity');
  return m;
}

export interface HandlerDeps {
  engine: EngineApi;
  poller: JobPoller;
  logger: EngineLogger;
  /** Where clients reach this gateway, reported as the broker's address in Topology. */
  advertised: () => { host: string; port: number };
  /** Open job streams, so that shutdown can end them. */
  streams: Set<{ end(): void }>;
  /** Largest message sent; ActivateJobs answers are split to stay under it. */
  maxMessageBytes: number;
}

type Unary = (request: Wire) => Promise<object>;

/** Builds the service implementation for every method of `service`. */
export function createHandlers(service: ServiceDefinition, deps: HandlerDeps): UntypedServiceImplementation {
  const { engine, poller, logger } = deps;

  const unary =
    (rpc: string, fn: Unary) => (call: ServerUnaryCall<Wire, object>, callback: sendUnaryData<object>) => {
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (response) => {
            call.sendMetadata(identityOnly());
            callback(null, response);
          },
          (err: unknown) => callback(failure(err, rpc)),
        );
    };

  const failure = (err: unknown, rpc: string) => {
    const { error, isInternal } = toServiceError(err, rpc);
    if (isInternal) logger.error({ err, rpc }, 'gateway request failed');
    return error;
  };

  const withVariables = <T extends { variables: object }>(res: T) => ({
    ...res,
    variables: JSON.stringify(res.variables),
  });

  const implemented: Record<string, Unary> = {
    Topology: async () => {
      const topology = await engine.topology();
      const { host, port } = deps.advertised();
      return { ...topology, brokers: topology.brokers.map((b) => ({ ...b, host, port })) };
    },
    DeployResource: async (r) => {
      const res = await engine.deployResource(req.deployResource(r));
      return {
        key: res.key,
        tenantId: res.tenantId,
        deployments: [
          ...res.deployments,
          // Zeebe's order: processes, then every decision, then the decision requirements they belong
          // to, then forms. Clients read `deployments[0].decision` after deploying one .dmn file.
          ...(res.decisions ?? []).map((decision) => ({ decision })),
          ...(res.decisionRequirements ?? []).map((decisionRequirements) => ({ decisionRequirements })),
          ...(res.forms ?? []).map((form) => ({ form })),
        ],
      };
    },
    DeployProcess: async (r) => {
      const res = await engine.deployResource(req.deployProcess(r));
      return { key: res.key, processes: res.deployments.map((d) => d.process) };
    },
    DeleteResource: (r) => engine.deleteResource(req.deleteResource(r)),
    CreateProcessInstance: (r) => engine.createProcessInstance(req.createProcessInstance(r)),
    CreateProcessInstanceWithResult: async (r) =>
      withVariables(await engine.createProcessInstanceWithResult(req.createProcessInstanceWithResult(r))),
    CancelProcessInstance: (r) => engine.cancelProcessInstance(req.cancelProcessInstance(r)),
    SetVariables: (r) => engine.setVariables(req.setVariables(r)),
    ModifyProcessInstance: (r) => engine.modifyProcessInstance(req.modifyProcessInstance(r)),
    MigrateProcessInstance: (r) => engine.migrateProcessInstance(req.migrateProcessInstance(r)),
    CompleteJob: (r) => engine.completeJob(req.completeJob(r)),
    FailJob: (r) => engine.failJob(req.failJob(r)),
    ThrowError: (r) => engine.throwError(req.throwError(r)),
    UpdateJobRetries: (r) => engine.updateJobRetries(req.updateJobRetries(r)),
    UpdateJobTimeout: (r) => engine.updateJobTimeout(req.updateJobTimeout(r)),
    PublishMessage: (r) => engine.publishMessage(req.publishMessage(r)),
    BroadcastSignal: (r) => engine.broadcastSignal(req.broadcastSignal(r)),
    ResolveIncident: (r) => engine.resolveIncident(req.resolveIncident(r)),
    EvaluateDecision: (r) => engine.evaluateDecision(req.evaluateDecision(r)),
  };

  function activateJobs(call: ServerWritableStream<Wire, object>) {
    let parsed: ReturnType<typeof req.activateJobs>;
    try {
      parsed = req.activateJobs(call.request);
    } catch (err) {
      call.emit('error', failure(err, 'ActivateJobs'));
      return;
    }
    const requested = parsed.requestTimeout === 0 ? DEFAULT_LONG_POLL_MS : parsed.requestTimeout;
    poller.activate({
      request: parsed.request,
      waitMs: requested < 0 ? -1 : Math.min(requested, untilDeadline(call)),
      deliver(jobs) {
        if (call.cancelled || call.destroyed) return false;
        for (const batch of jobBatches(jobs.map(wireJob), deps.maxMessageBytes)) call.write({ jobs: batch });
        call.end();
        return true;
      },
      finish() {
        if (!call.cancelled && !call.destroyed) call.end();
      },
      fail(err) {
        if (!call.cancelled && !call.destroyed) call.emit('error', failure(err, 'ActivateJobs'));
      },
      onCancel(listener) {
        call.once('cancelled', listener);
      },
    });
  }

  function streamActivatedJobs(call: ServerWritableStream<Wire, object>) {
    let parsed: ReturnType<typeof req.streamActivatedJobs>;
    try {
      parsed = req.streamActivatedJobs(call.request);
    } catch (err) {
      call.emit('error', failure(err, 'StreamActivatedJobs'));
      return;
    }
    const close = engine.openJobStream(parsed, (job) => {
      if (call.cancelled || call.destroyed) return false;
      call.write(wireJob(job));
      return true;
    });
    const entry = {
      end() {
        close();
        if (!call.cancelled && !call.destroyed) call.end();
      },
    };
    deps.streams.add(entry);
    call.once('cancelled', () => {
      deps.streams.delete(entry);
      close();
    });
  }

  const implementation: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service)) {
    if (name === 'ActivateJobs') implementation[name] = activateJobs;
    else if (name === 'StreamActivatedJobs') implementation[name] = streamActivatedJobs;
    else if (implemented[name]) implementation[name] = unary(name, implemented[name]);
    else if (method.responseStream)
      implementation[name] = (call: ServerWritableStream<Wire, object>) =>
        call.emit('error', unimplemented(name));
    else
      implementation[name] = (_call: ServerUnaryCall<Wire, object>, callback: sendUnaryData<object>) =>
        callback(unimplemented(name));
  }
  return implementation;
}

const unimplemented = (rpc: string) =>
  grpcError(status.UNIMPLEMENTED, `The embedded engine does not implement the gRPC request ${rpc}`);

/** ms left before the call's deadline (minus a margin), or Infinity when the client set none. */
function untilDeadline(call: ServerWritableStream<Wire, object>): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return Infinity;
  return Math.max(0, at - Date.now() - DEADLINE_MARGIN_MS);
}
