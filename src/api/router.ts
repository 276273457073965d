/**
 * Mounts route declarations on a @koa/router: the access middleware first (so a caller without rights
 * learns nothing from validation errors), then body reading and validation, then the handler.
 */
import { Router } from '@koa/router';
import type { Authenticate } from '../auth/access.ts';
import { requireAccess } from '../auth/access.ts';
import {
  discardUploads,
  isMultipart,
  readMultipart,
  type MultipartLimits,
  type UploadedFile,
} from './multipart.ts';
import { readJsonBody } from './body.ts';
import { formFieldsToBody } from './form.ts';
import { successStatus, type ApiState, type Route } from './route.ts';
import { validateInput } from './validate.ts';

/** Builds the router for a set of routes; rejects two routes with the same method and path. */
export function buildRouter(
  routes: readonly Route[],
  options: {
    authenticate: Authenticate;
    maxBodyBytes: number;
    /** Where multipart uploads wait and their limits (routes with `multipart`). */
    uploads?: { tempDir: string; limits: MultipartLimits };
  },
): Router<ApiState> {
  const router = new Router<ApiState>();
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`route ${key} is declared twice`);
    seen.add(key);
    const status = successStatus(route);
    router.register(
      route.path,
      [route.method],
      [
        requireAccess(route.access, options.authenticate),
        async (ctx) => {
          let rawBody: unknown;
          let files: UploadedFile[] = [];
          if (route.multipart && options.uploads && isMultipart(ctx.req)) {
            const form = await readMultipart(ctx, {
              ...options.uploads,
              fileFields: route.multipart.fileFields,
            });
            files = form.files;
            rawBody = route.body ? formFieldsToBody(route.body, form.fields) : undefined;
          } else if (route.body) {
            rawBody = await readJsonBody(ctx.req, route.maxBodyBytes ?? options.maxBodyBytes);
          }
          try {
            const input = validateInput(route, { params: ctx.params, query: ctx.query, body: rawBody });
            const result = await route.handler({
              ...(input as { params: unknown; query: unknown; body: unknown }),
              principal: ctx.state.principal,
              log: ctx.state.log,
              ctx,
              files,
            });
            // A handler may answer another success status it set itself (e.g. 200 for an idempotent
            // replay of a 201); Koa's status is 404 until someone sets it.
            if (ctx.status === 404) ctx.status = status;
            if (ctx.status !== 204) ctx.body = result;
          } finally {
            // Uploads the handler did not place in the store are not kept.
            if (files.length) await discardUploads(files);
          }
        },
      ],
    );
  }
  return router;
}
