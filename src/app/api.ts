/**
 * The hub's HTTP API: `createApi(deps)` builds the Koa app from the route declarations. Middleware order:
 * request id + access log → problem+json rendering → router (access check → body → validation → handler).
 */
import Koa from 'koa';
import { z } from 'zod';
import { adminRoutes } from '../reference/admin-routes.ts';
import { geographyRoutes } from '../geography/routes.ts';
import { geoImportRoutes } from '../geography/import/routes.ts';
import { assessmentRoutes } from '../assessment/routes.ts';
import type { Auth } from '../auth/auth.ts';
import { authRoutes } from '../auth/routes.ts';
import { userRoutes } from '../auth/user-routes.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { caseActionRoutes } from '../cases/actions/index.ts';
import type { CasePublisher } from '../cases/publish.ts';
import { createAttachmentStore, type AttachmentStore } from '../attachments/index.ts';
import { attachmentRoutes } from '../attachments/routes.ts';
import { caseRoutes } from '../cases/routes.ts';
import type { CaseStarter } from '../cases/start.ts';
import { deskRoutes } from '../cases/desk-routes.ts';
import { deskFeedRoutes } from '../cases/desk-feed-routes.ts';
import { escalationRoutes } from '../escalations/routes.ts';
import { enforcementRoutes } from '../enforcement/routes.ts';
import { fieldRoutes } from '../field/routes.ts';
import { caseMessageRoutes } from '../cases/message-routes.ts';
import { leaderRoutes } from '../leader/routes.ts';
import type { Mailer } from '../mail.ts';
import type { ZeebeClient } from '../zeebe.ts';
import type { EngineQuery } from '../incidents/index.ts';
import { incidentRoutes } from '../incidents/routes.ts';
import { procedureRoutes } from '../procedures/routes.ts';
import { referenceRoutes } from '../reference/routes.ts';
import { mapRoutes } from '../map/routes.ts';
import { componentRoutes } from '../components/routes.ts';
import { adSignRoutes } from '../adsigns/routes.ts';
import { adPermitRoutes } from '../adsigns/permit-routes.ts';
import { adSignLayerRoutes } from '../adsigns/layer-routes.ts';
import { pipelineRoutes } from '../pipelines/routes.ts';
import { wallRoutes } from '../wall/routes.ts';
import { statisticsRoutes } from '../statistics/routes.ts';
import { parkingRoutes } from '../parking/routes.ts';
import { parkingGuidanceRoutes } from '../parking/guidance-routes.ts';
import { healthRoutes, type ReadinessCheck } from '../api/health.ts';
import { metaRoutes } from '../api/meta-routes.ts';
import { buildOpenApi, type OpenApiDocument } from '../api/openapi.ts';
import { problemRenderer } from '../api/problem.ts';
import { requestContext } from '../api/request-context.ts';
import { securityHeaders } from '../api/security-headers.ts';
import { defineRoute, type ApiState, type Route } from '../api/route.ts';
import { buildRouter } from '../api/router.ts';

export { defineRoute, type ApiContext, type ApiState, type HttpMethod, type Route } from '../api/route.ts';
export type { ReadinessCheck } from '../api/health.ts';

export interface ApiDeps {
  config: Config;
  logger: Logger;
  db: Db;
  auth: Auth;
  /** Readiness checks beyond the database's (which is always there), e.g. the engine. */
  readinessChecks?: ReadinessCheck[];
  /** The engine client; without it, reporting a case answers 503 (tests that need no engine omit it). */
  zeebe?: ZeebeClient;
  /** Reads engine state (v2 REST API); without it, process paths, incidents and engine-only versions answer 503. */
  engineQuery?: EngineQuery;
  /** Publishes case messages after an action is recorded; without it, actions that publish answer 503. */
  casePublisher?: CasePublisher;
  /** Starts reported cases' procedures exactly once (src/cases/start.ts); without it the case routes make one. */
  caseStarter?: CaseStarter;
  /**
   * The hub's clock (the embedded engine's, so times follow ENGINE_CLOCK_CONTROL in tests); routes that
   * record when something happened read it. Default: the system clock.
   */
  now?: () => Date;
  /**
   * Routes of parts built outside this module, e.g. the adapters' signed webhooks, the Open311 server and
   * the adapter monitoring API (adapters/index.ts); they join the router, the OpenAPI document and the
   * role matrix like the others.
   */
  extraRoutes?: readonly Route[];
  /** Mails people (领导批示 to the unit); without it nothing is mailed. */
  mailer?: Mailer;
}

export interface Api {
  app: Koa<ApiState>;
  /** Where uploaded files are stored (src/attachments). */
  attachments: AttachmentStore;
  /** Every route the app serves, in declaration order (the OpenAPI document and the tests read this). */
  routes: readonly Route[];
  /** The OpenAPI 3.1 document of those routes (served at /openapi.json; the UI's types are made from it). */
  readonly openapi: OpenApiDocument;
}

const VERSION = '0.1.0';

/**
 * Every route module of the hub. A new feature adds its `xRoutes(deps)` here; the OpenAPI document and
 * the role-matrix test pick it up from this list.
 */
function hubRoutes(deps: ApiDeps & { attachments: AttachmentStore }): Route[] {
  const database: ReadinessCheck = { name: 'database', check: () => deps.db.prisma.$queryRaw`SELECT 1` };
  return [
    ...healthRoutes([database, ...(deps.readinessChecks ?? [])]),
    ...metaRoutes(deps),
    ...authRoutes(deps),
    ...userRoutes(deps),
    ...referenceRoutes(deps),
    ...mapRoutes(deps),
    ...componentRoutes(deps),
    ...adSignRoutes(deps),
    ...adPermitRoutes(deps),
    ...adSignLayerRoutes(deps),
    ...pipelineRoutes(deps),
    ...adminRoutes(deps),
    ...geographyRoutes(deps),
    ...geoImportRoutes(deps),
    ...assessmentRoutes(deps),
    ...caseRoutes(deps),
    ...escalationRoutes(deps),
    ...attachmentRoutes(deps),
    ...caseActionRoutes(deps),
    ...deskRoutes(deps),
    ...deskFeedRoutes(deps),
    ...enforcementRoutes(deps),
    ...caseMessageRoutes(deps),
    ...fieldRoutes(deps),
    ...leaderRoutes(deps),
    ...wallRoutes(deps),
    ...statisticsRoutes(deps),
    ...parkingGuidanceRoutes(deps),
    ...parkingRoutes(deps),
    ...(deps.extraRoutes ?? []),
    ...procedureRoutes(deps),
    ...incidentRoutes(deps),
  ];
}

/** Builds the API application. */
export function createApi(deps: ApiDeps): Api {
  // The document lists every route, itself included, so its route reads it through a closure. It is
  // built on first use: turning every route's zod schemas into JSON Schema costs ~0.35 s of CPU, which a
  // hub start need not pay (tests start ~200 hubs; most never ask for the document).
  const attachments = createAttachmentStore(deps.db, deps.config);
  const routes: Route[] = [...hubRoutes({ ...deps, attachments }), openApiRoute(() => openapi())];
  let document: OpenApiDocument | undefined;
  const openapi = () => (document ??= buildOpenApi(routes, { title: 'chengguan-hub API', version: VERSION }));
  const router = buildRouter(routes, {
    authenticate: deps.auth.authenticate,
    maxBodyBytes: deps.config.HUB_MAX_BODY_BYTES,
    uploads: { tempDir: attachments.tempDir, limits: attachments.limits },
  });

  // Only the addresses our own proxies appended count: a client that sends its own X-Forwarded-For
  // (a new leftmost address per request) would otherwise pick the address the login limit keys on.
  const app = new Koa<ApiState>({
    proxy: deps.config.HUB_TRUST_PROXY,
    maxIpsCount: deps.config.HUB_TRUST_PROXY_HOPS,
  });
  // Errors outside the middleware chain (e.g. a socket failing while the response streams) land here.
  app.on('error', (err: unknown) => deps.logger.error({ err }, 'http error'));
  app.use(securityHeaders(deps.config));
  app.use(requestContext(deps.logger));
  app.use(problemRenderer());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return {
    app,
    routes,
    attachments,
    get openapi() {
      return openapi();
    },
  };
}

function openApiRoute(document: () => unknown): Route {
  return defineRoute({
    method: 'GET',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tags: ['meta'],
    access: 'public',
    responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) } },
    handler: async () => document() as Record<string, unknown>,
  });
}
