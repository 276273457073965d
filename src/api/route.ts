/**
 * The route-definition layer. A route is plain data plus a handler: method, path, summary, who may call
 * it, zod schemas for params/query/body and its responses. The same declaration drives request
 * validation, the access check and the OpenAPI document, so they cannot drift apart.
 *
 * Paths use Koa's `:name` syntax; the OpenAPI document shows them as `{name}`.
 */
import type { ParameterizedContext } from 'koa';
import type { z } from 'zod';
import type { Logger } from '../log.ts';
import type { Access, Principal } from '../auth/roles.ts';
import type { UploadedFile } from './multipart.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Per-request state every middleware and handler can read. */
export interface ApiState {
  requestId: string;
  /** Logger bound to this request (carries `reqId`). */
  log: Logger;
  /** Set by the access middleware on non-public routes. */
  principal?: Principal;
}

export type ApiContext = ParameterizedContext<ApiState>;

/** One documented response. `schema` absent means no body (e.g. 204). */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Media type of the body when it is not JSON (e.g. a file download); the schema is then not used. */
  mediaType?: string;
}

export type Responses = Partial<Record<200 | 201 | 202 | 204, ResponseSpec>>;

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What the handler returns: the input type of the declared success response's schema. */
export type SuccessBody<R extends Responses> = {
  [K in keyof R]: R[K] extends { schema: infer S extends z.ZodType } ? z.input<S> : void;
}[keyof R];

/** What a handler receives: validated input, the caller, the request's logger and the raw Koa context. */
export interface RouteRequest<P, Q, B, A extends Access> {
  params: P;
  query: Q;
  body: B;
  principal: A extends 'public' ? Principal | undefined : Principal;
  log: Logger;
  /** For the rare handler that must set a header or read the client address. */
  ctx: ApiContext;
  /**
   * Files of a multipart/form-data request (routes with `multipart`), checked for size, count and type
   * and waiting in temporary files: place them with the attachment store; the router deletes whatever
   * is left when the handler ends. Empty for a JSON request.
   */
  files: UploadedFile[];
}

/** A route that also takes multipart/form-data: text fields are validated by `body`, files listed here. */
export interface MultipartSpec {
  /** Form fields that carry files (e.g. `photos`); a file in any other field is a 400. */
  fileFields: string[];
  /** What the files are, for the OpenAPI document. */
  description?: string;
}

export interface RouteSpec<
  A extends Access,
  PS extends z.ZodType | undefined,
  QS extends z.ZodType | undefined,
  BS extends z.ZodType | undefined,
  R extends Responses,
> {
  method: HttpMethod;
  /** Koa-style path, e.g. `/api/users/:id`. */
  path: string;
  summary: string;
  description?: string;
  /** OpenAPI tags (grouping in the document). */
  tags?: string[];
  access: A;
  /**
   * How a public route authenticates its caller itself (a signed webhook, an Open311 api_key): the access
   * middleware lets every request through and the handler refuses one without that credential (4xx).
   * Shown in the OpenAPI document; the role-matrix test expects a refusal for every hub role.
   */
  selfAuthenticated?: string;
  params?: PS;
  query?: QS;
  body?: BS;
  /** Also accept multipart/form-data (fields validated by `body`, files in `files`). */
  multipart?: MultipartSpec;
  /** Largest JSON body of this route, bytes (default HUB_MAX_BODY_BYTES): file imports sent as JSON. */
  maxBodyBytes?: number;
  /** Exactly one success status; the handler's return value is its body. */
  responses: R;
  handler(req: RouteRequest<Parsed<PS>, Parsed<QS>, Parsed<BS>, A>): Promise<SuccessBody<R>>;
}

/** A route with its types erased, as the router and the OpenAPI builder see it. */
export interface Route {
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  access: Access;
  selfAuthenticated?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  multipart?: MultipartSpec;
  maxBodyBytes?: number;
  responses: Responses;
  handler(req: RouteRequest<unknown, unknown, unknown, Access>): Promise<unknown>;
}

/**
 * Declares a route. Types flow from the schemas into the handler: `req.body` is the parsed body,
 * `req.principal` is non-optional unless the route is public, and the return type must match the
 * success response's schema.
 */
export function defineRoute<
  const A extends Access,
  PS extends z.ZodType | undefined = undefined,
  QS extends z.ZodType | undefined = undefined,
  BS extends z.ZodType | undefined = undefined,
  R extends Responses = Responses,
>(spec: RouteSpec<A, PS, QS, BS, R>): Route {
  return spec as unknown as Route;
}

/** The single success status a route declares (the handler's result is sent with it). */
export function successStatus(route: Route): number {
  const statuses = Object.keys(route.responses).map(Number);
  if (statuses.length !== 1) {
    throw new Error(`${route.method} ${route.path} must declare exactly one success response`);
  }
  return statuses[0]!;
}
