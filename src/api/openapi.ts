/**
 * Builds the OpenAPI 3.1 document from the route declarations. OpenAPI 3.1 schemas are JSON Schema
 * 2020-12, which is what zod 4's z.toJSONSchema emits, so request and response schemas go in unchanged.
 * Each operation lists the roles that may call it (`x-roles`, and in the description).
 */
import { z } from 'zod';
import { PROBLEM_TYPE_BASE } from '../errors.ts';
import type { MultipartSpec, Route } from './route.ts';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  // Transforms and refinements have no JSON Schema form; they document as their input/output shape.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

/** Koa `:id` → OpenAPI `{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const problemSchema: JsonSchema = {
  type: 'object',
  description: `RFC 9457 problem document; \`type\` is ${PROBLEM_TYPE_BASE}<slug>.`,
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
        required: ['field', 'message'],
      },
    },
  },
  required: ['type', 'title', 'status', 'detail'],
};

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** Query and path parameters from a z.object schema, one OpenAPI parameter per property. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

/** The form of a multipart body: the JSON body's fields as form fields, plus the file fields. */
function multipartSchema(body: z.ZodType, spec: MultipartSpec) {
  const json = toSchema(body, 'input');
  const files = Object.fromEntries(
    spec.fileFields.map((name) => [
      name,
      {
        type: 'array',
        items: { type: 'string', format: 'binary' },
        ...(spec.description ? { description: spec.description } : {}),
      },
    ]),
  );
  return {
    schema: { ...json, properties: { ...((json.properties ?? {}) as JsonSchema), ...files } },
    encoding: Object.fromEntries(
      spec.fileFields.map((name) => [
        name,
        { contentType: 'image/jpeg, image/png, image/webp, image/heic, application/pdf' },
      ]),
    ),
  };
}

function rolesText(route: Route): string {
  if (route.selfAuthenticated)
    return `No hub credentials; the caller proves itself with: ${route.selfAuthenticated}`;
  if (route.access === 'public') return 'Public: no credentials needed.';
  if (route.access === 'authenticated') return 'Any authenticated user or service account.';
  return `Roles: ${route.access.join(', ')}.`;
}

function operation(route: Route) {
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    responses[status] = spec.mediaType
      ? {
          description: spec.description,
          content: { [spec.mediaType]: { schema: { type: 'string', format: 'binary' } } },
        }
      : spec.schema
        ? {
            description: spec.description,
            content: { 'application/json': { schema: toSchema(spec.schema, 'output') } },
          }
        : { description: spec.description };
  }
  if (route.params || route.query || route.body)
    responses['400'] = problemResponse('Invalid request; `errors` names each field.');
  if (route.body) {
    responses['413'] = problemResponse('Request body too large.');
    responses['415'] = problemResponse(
      route.multipart
        ? 'Content-Type is neither application/json nor multipart/form-data, or a file is not of an accepted type (judged by its content).'
        : 'Content-Type is not application/json.',
    );
  }
  if (route.access !== 'public') {
    responses['401'] = problemResponse('Missing, invalid, expired or revoked credentials.');
    if (route.access !== 'authenticated')
      responses['403'] = problemResponse('The caller has none of the allowed roles.');
  }
  responses.default = problemResponse('Error.');

  return {
    operationId: `${route.method.toLowerCase()}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: route.summary,
    description: [route.description, rolesText(route)].filter(Boolean).join('\n\n'),
    ...(route.tags ? { tags: route.tags } : {}),
    'x-roles':
      route.access === 'public' || route.access === 'authenticated' ? route.access : [...route.access],
    security: route.access === 'public' ? [] : [{ bearerAuth: [] }],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: toSchema(route.body, 'input') },
              ...(route.multipart
                ? { 'multipart/form-data': multipartSchema(route.body, route.multipart) }
                : {}),
            },
          },
        }
      : {}),
    responses,
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;

/** The OpenAPI 3.1 document for a set of routes. */
export function buildOpenApi(routes: readonly Route[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A session token from POST /api/auth/login, or an API token of a service account.',
        },
      },
    },
  };
}
