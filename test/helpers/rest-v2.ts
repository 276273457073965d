/**
 * For tests of the engine's REST API (v2): an engine, Camunda's own REST-only client
 * (@camunda8/orchestration-cluster-api) pointed at it with response validation on (answers must have
 * the shapes of Camunda's schema), and `rest` for plain HTTP calls whose status and body a test reads.
 */
import createCamundaClient from '@camunda8/orchestration-cluster-api';
import type { ExecutionContext } from 'ava';
import { startTestEngine, type TestEngine } from './engine.ts';

export interface Reply {
  status: number;
  type: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
}

/**
 * A checker for refusals: the answer has `status`, is problem+json (RFC 9457) with that status, and its
 * detail matches `detail` (a failed status names the body).
 */
export function problemCheck(t: ExecutionContext) {
  return (r: Reply, status: number, detail: RegExp) => {
    t.is(r.status, status, JSON.stringify(r.body));
    t.regex(r.type, /^application\/problem\+json/);
    t.is(r.body.status, status);
    t.regex(r.body.detail, detail);
  };
}

export interface RestV2 {
  te: TestEngine;
  camunda: ReturnType<typeof createCamundaClient>;
  /**
   * The same client without response validation, for the one answer Camunda's schema contradicts: a
   * successful decision evaluation has failedDecisionDefinitionId '' (as Zeebe answers), which the
   * schema's pattern for decision ids refuses.
   */
  unchecked: ReturnType<typeof createCamundaClient>;
  rest(method: string, path: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

export async function startRestV2(): Promise<RestV2> {
  const te = await startTestEngine();
  const client = (validation: string) =>
    createCamundaClient({
      config: {
        CAMUNDA_REST_ADDRESS: te.managementUrl,
        CAMUNDA_AUTH_STRATEGY: 'NONE',
        CAMUNDA_SDK_HTTP_RETRY_MAX_ATTEMPTS: 1,
        CAMUNDA_SDK_VALIDATION: validation,
      },
    });
  return {
    te,
    camunda: client('req:none,res:strict'),
    unchecked: client('req:none,res:none'),
    async rest(method, path, body) {
      const res = await fetch(te.managementUrl + path, {
        method,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      return { status: res.status, type, body: /json/.test(type) ? JSON.parse(text) : text };
    },
    close: () => te.close(),
  };
}
