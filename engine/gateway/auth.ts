/**
 * A server interceptor that refuses every gateway call without the engine's bearer token with
 * UNAUTHENTICATED, before any handler sees the request (the token is in the call's metadata, which
 * arrives before its message).
 */
import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { bearerMatches } from '../auth.ts';

export function bearerInterceptor(token: string): ServerInterceptor {
  return (_method, call) => {
    let refused = false;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            if (bearerMatches(metadata.get('authorization')[0], token)) return pass(metadata);
            refused = true;
            call.sendStatus({
              code: status.UNAUTHENTICATED,
              details: 'Expected a valid bearer token in the authorization header (ENGINE_AUTH_TOKEN)',
              metadata: new Metadata(),
            });
          },
          onReceiveMessage(message, pass) {
            if (!refused) pass(message);
          },
          onReceiveHalfClose(pass) {
            if (!refused) pass();
          },
        });
      },
    });
  };
}
