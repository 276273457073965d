/**
 * Turns what a handler throws into the gRPC status the client sees. Engine refusals carry their own
 * status name; request validation raises INVALID_ARGUMENT here; anything else is an engine bug and
 * becomes INTERNAL without leaking internals (the original is logged).
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { EngineError, type EngineErrorCode } from '../api.ts';

const codes: Record<EngineErrorCode, status> = {
  NOT_FOUND: status.NOT_FOUND,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  INTERNAL: status.INTERNAL,
};

/** A gRPC error with a status code and details, as grpc-js sends it. */
export function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

/** INVALID_ARGUMENT for a request the gateway refuses before it reaches the engine. */
export const invalidArgument = (details: string) => new EngineError('INVALID_ARGUMENT', details);

/** The status for a thrown value; `isInternal` tells the caller to log it. */
export function toServiceError(err: unknown, rpc: string): { error: ServiceError; isInternal: boolean } {
  if (err instanceof EngineError)
    return { error: grpcError(codes[err.code], err.message), isInternal: false };
  return {
    error: grpcError(status.INTERNAL, `Unexpected error while handling gRPC request ${rpc}`),
    isInternal: true,
  };
}
