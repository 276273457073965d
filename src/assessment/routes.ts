/**
 * The assessment over the API: run a period on demand (computed here and stored, the same row the
 * `assessment` procedure writes), list and read stored reports (JSON, CSV, HTML), drill down from any
 * figure to the cases behind it, read and edit the rules (weights, bands, grades).
 *
 * On-demand runs are computed in the request rather than through the procedure: the caller gets the
 * figures in the answer, and the procedure's last step mails every ASSESSMENT_RECIPIENTS address,
 * which a leader looking at last week's figures does not want. The schedule (schedule.ts) goes through
 * the procedure, so the periodic report is mailed.
 */
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { Principal } from '../auth/index.ts';
import { forbidden, HubError, notFound, validationError } from '../errors.ts';
import { logChange } from '../reference/admin.ts';
import { FIGURE_LABELS, type AssessmentResult, type EntityResult, type Figure } from './compute.ts';
import { createAssessment } from './index.ts';
import {
  computeReport,
  periodContaining,
  PERIOD_KINDS,
  REPORT_SCOPES,
  scopedResult,
  unpackResult,
  type ReportScope,
} from './reports.ts';
import { renderAssessmentCsv, renderAssessmentHtml } from './render.ts';
import { renderAssessmentXlsx } from './xlsx.ts';
import { DEFAULT_ASSESSMENT_RULES, type AssessmentRules } from './rules.ts';

/** Who reads reports and rules; who runs an assessment; who edits rules. */
const FULL_READERS = ['administrator', 'leader', 'shift_leader'] as const;
/** A department handler reads its own unit's figures (ownResult), nothing of other units. */
const READERS = [...FULL_READERS, 'department_handler'] as const;
const RUNNERS = ['administrator', 'leader'] as const;
const EDITORS = ['administrator'] as const;

const ENTITY_LISTS = {
  city: null,
  department: 'departments',
  street: 'streets',
  grid: 'grids',
  supervisor: 'supervisors',
  acceptor: 'acceptors',
  shiftLeader: 'shiftLeaders',
  dispatcher: 'dispatchers',
} as const;
type EntityType = keyof typeof ENTITY_LISTS;
const ENTITY_TYPES = Object.keys(ENTITY_LISTS) as EntityType[];

const summarySchema = z.object({
  registered: z.number().nullable(),
  disposalRate: z.number().nullable(),
  onTimeDisposalRate: z.number().nullable(),
  closureRate: z.number().nullable(),
  onTimeClosureRate: z.number().nullable(),
  reworkRate: z.number().nullable(),
  overdue: z.number().nullable(),
  avgHandlingHours: z.number().nullable(),
});

const listItemSchema = z.object({
  id: z.string(),
  periodKey: z.string().describe('2026-10 for a calendar month, else <start>_<end> (end exclusive)'),
  scope: z.enum(REPORT_SCOPES),
  periodStart: z.iso.datetime(),
  periodEnd: z.iso.datetime().describe('exclusive'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime().describe('when it was last (re)computed'),
  links: z.object({ self: z.string(), csv: z.string(), xlsx: z.string(), html: z.string() }),
});

const reportMetaSchema = listItemSchema.extend({
  asOf: z.iso
    .datetime()
    .describe('the timeline counted up to here (the period end, or the run time for a period not over)'),
  summary: summarySchema.describe('city-wide figures'),
});

const figureSchema = z.object({
  value: z.number().nullable(),
  numerator: z.number().int().describe('how many cases are behind the numerator (or the count)'),
  denominator: z.number().int().nullable(),
  numeratorIds: z.array(z.string()).optional(),
  denominatorIds: z.array(z.string()).optional(),
});

const entitySchema = z.object({
  type: z.enum(ENTITY_TYPES),
  id: z.string(),
  name: z.string(),
  figures: z.record(z.string(), figureSchema),
  score: z.number().nullable(),
  grade: z.string().nullable(),
  penalty: z.number(),
});

const resultSchema = z.object({
  city: entitySchema,
  departments: z.array(entitySchema),
  streets: z.array(entitySchema),
  grids: z.array(entitySchema),
  supervisors: z.array(entitySchema),
  acceptors: z.array(entitySchema),
  shiftLeaders: z.array(entitySchema),
  dispatchers: z.array(entitySchema),
});

const drillCaseSchema = z.object({
  id: z.string(),
  caseNo: z.string(),
  status: z.string(),
  source: z.string(),
  categoryCode: z.string(),
  departmentId: z.string().nullable(),
  gridCode: z.string().nullable(),
  reportedAt: z.iso.datetime(),
  registeredAt: z.iso.datetime().nullable(),
  dispatchedAt: z.iso.datetime().nullable(),
  disposedAt: z.iso.datetime().nullable(),
  closedAt: z.iso.datetime().nullable(),
  disposeDeadline: z.iso.datetime().nullable(),
});

interface ReportRow {
  id: string;
  periodKey: string;
  scope: string;
  periodStart: Date;
  periodEnd: Date;
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function listItem(row: Omit<ReportRow, 'result'>): z.input<typeof listItemSchema> {
  const self = `/api/assessment/reports/${row.id}`;
  return {
    id: row.id,
    periodKey: row.periodKey,
    scope: row.scope as (typeof REPORT_SCOPES)[number],
    periodStart: row.periodStart.toISOString(),
    periodEnd: row.periodEnd.toISOString(),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    links: { self, csv: `${self}/csv`, xlsx: `${self}/xlsx`, html: `${self}/html` },
  };
}

function meta(row: ReportRow, result: AssessmentResult): z.input<typeof reportMetaSchema> {
  const city = (key: string) => result.city.figures[key]?.value ?? null;
  return {
    ...listItem(row),
    asOf: result.period.asOf,
    summary: {
      registered: city('registered'),
      disposalRate: city('disposalRate'),
      onTimeDisposalRate: city('onTimeDisposalRate'),
      closureRate: city('closureRate'),
      onTimeClosureRate: city('onTimeClosureRate'),
      reworkRate: city('reworkRate'),
      overdue: city('overdue'),
      avgHandlingHours: city('avgHandlingHours'),
    },
  };
}

const figureView = (f: Figure, ids: boolean): z.input<typeof figureSchema> => ({
  value: f.value,
  numerator: f.numeratorIds.length,
  denominator: f.denominatorIds ? f.denominatorIds.length : null,
  ...(ids
    ? { numeratorIds: f.numeratorIds, ...(f.denominatorIds ? { denominatorIds: f.denominatorIds } : {}) }
    : {}),
});

const entityView = (e: EntityResult, ids: boolean): z.input<typeof entitySchema> => ({
  ...e,
  figures: Object.fromEntries(Object.entries(e.figures).map(([k, f]) => [k, figureView(f, ids)])),
});

function findEntity(result: AssessmentResult, type: EntityType, id: string | undefined): EntityResult {
  const list = ENTITY_LISTS[type];
  if (list === null) return result.city;
  if (!id)
    throw validationError('entityId is needed for this entity type', [
      { field: 'query.entityId', message: 'required' },
    ]);
  const found = result[list].find((e) => e.id === id);
  if (!found) {
    throw validationError(`no ${type} ${id} in this report`, [
      { field: 'query.entityId', message: `not among the ${list} of the report` },
    ]);
  }
  return found;
}

/** The /api/assessment routes. */
export function assessmentRoutes({
  db,
  config,
  now = () => new Date(),
}: {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE'>;
  now?: () => Date;
}): Route[] {
  const { prisma } = db;
  const zone = config.CALENDAR_TIMEZONE;

  /**
   * The part of a report a principal may read: all of it for the centre's roles; for a department
   * handler only its own unit — a street sub-centre also its second-level units, its street and that
   * street's grids — beside the city line (totals, no other unit's figures). Null when everything shows.
   */
  async function ownUnits(principal: Principal) {
    if (principal.roles.some((r) => (FULL_READERS as readonly string[]).includes(r))) return null;
    if (!principal.departmentId) throw forbidden('a department handler without a department sees no scores');
    const unit = await prisma.department.findUniqueOrThrow({
      where: { id: principal.departmentId },
      select: { id: true, kind: true, name: true, children: { select: { id: true } } },
    });
    const centre = unit.kind === 'street_center';
    return {
      departments: new Set([unit.id, ...(centre ? unit.children.map((c) => c.id) : [])]),
      street: centre ? unit.name : null,
    };
  }
  const ownResult = (
    result: AssessmentResult,
    own: Awaited<ReturnType<typeof ownUnits>>,
  ): AssessmentResult =>
    own === null
      ? result
      : {
          ...result,
          departments: result.departments.filter((e) => own.departments.has(e.id)),
          streets: result.streets.filter((e) => e.id === own.street),
          grids: own.street === null ? [] : result.grids.filter((e) => gridStreet.get(e.id) === own.street),
          supervisors: [],
          acceptors: [],
          shiftLeaders: [],
          dispatchers: [],
        };
  const gridStreet = new Map<string, string>();
  /** Grid code → street, for a sub-centre's grids (grid cells are few and change rarely). */
  async function loadGridStreets() {
    for (const g of await prisma.gridCell.findMany({ select: { code: true, street: true } })) {
      gridStreet.set(g.code, g.street);
    }
  }
  /** The principal's own units, with the grid streets loaded when a sub-centre needs them. */
  async function ownOf(principal: Principal) {
    const own = await ownUnits(principal);
    if (own?.street) await loadGridStreets();
    return own;
  }

  async function load(id: string) {
    const row = await prisma.assessmentReport.findUnique({ where: { id } });
    if (!row) throw notFound(`assessment report ${id}`);
    return row;
  }

  return [
    defineRoute({
      method: 'POST',
      path: '/api/assessment/runs',
      summary: 'Compute the assessment of a month, week or day now and store it as that period’s report',
      description:
        '`date` is any day of the period (a month: its calendar month; a week: Monday to Sunday; in CALENDAR_TIMEZONE). A period not over yet is computed up to now. Replaces the stored report of the same period and scope; a closed period recomputed gives the same figures. Not mailed (the schedule mails).',
      tags: ['assessment'],
      access: RUNNERS,
      body: z.object({
        period: z.enum(PERIOD_KINDS),
        date: z.string(),
        scope: z.enum(REPORT_SCOPES).default('all'),
      }),
      responses: { 201: { description: 'The stored report', schema: reportMetaSchema } },
      handler: async ({ body, principal, log }) => {
        const period = periodContaining(body.period, body.date, zone, 'body.date');
        const at = now();
        if (period.start.toJSDate() >= at) {
          throw validationError(`period ${period.periodKey} has not started yet`, [
            { field: 'body.date', message: 'the period lies in the future' },
          ]);
        }
        const started = Date.now();
        const { report, result } = await computeReport({ db, timezone: zone }, period, {
          scope: body.scope,
          now: at,
          render: true,
        });
        logChange(log, principal, 'assessment run', {
          periodKey: period.periodKey,
          scope: body.scope,
          reportId: report.id,
          ms: Date.now() - started,
        });
        return meta(report, result);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/assessment/reports',
      summary: 'Stored assessment reports, newest period first (without figures: read one for them)',
      tags: ['assessment'],
      access: READERS,
      query: z.object({
        periodKey: z.string().min(1).optional(),
        scope: z.enum(REPORT_SCOPES).optional(),
      }),
      responses: {
        200: {
          description: 'Reports without their figures',
          schema: z.object({ items: z.array(listItemSchema) }),
        },
      },
      handler: async ({ query }) => {
        const rows = await prisma.assessmentReport.findMany({
          where: {
            ...(query.periodKey ? { periodKey: query.periodKey } : {}),
            ...(query.scope ? { scope: query.scope } : {}),
          },
          orderBy: [{ periodStart: 'desc' }, { periodEnd: 'asc' }, { scope: 'asc' }],
          select: {
            id: true,
            periodKey: true,
            scope: true,
            periodStart: true,
            periodEnd: true,
            createdAt: true,
            updatedAt: true,
          },
        });
        return { items: rows.map(listItem) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/assessment/reports/:id',
      summary: 'One report: every entity’s figures, composite score and grade',
      description:
        'Each figure gives its value and how many cases are behind its numerator and denominator; `ids=true` adds the case ids (the drill-down route gives the cases themselves).',
      tags: ['assessment'],
      access: READERS,
      params: z.object({ id: z.string().min(1) }),
      query: z.object({ ids: z.enum(['true', 'false']).default('false') }),
      responses: {
        200: {
          description: 'The report',
          schema: reportMetaSchema.extend({ result: resultSchema }),
        },
      },
      handler: async ({ params, query, principal }) => {
        const row = await load(params.id);
        const r = ownResult(unpackResult(row.result), await ownOf(principal));
        const ids = query.ids === 'true';
        const list = (l: EntityResult[]) => l.map((e) => entityView(e, ids));
        return {
          ...meta(row, r),
          result: {
            city: entityView(r.city, ids),
            departments: list(r.departments),
            streets: list(r.streets),
            grids: list(r.grids),
            supervisors: list(r.supervisors),
            acceptors: list(r.acceptors),
            shiftLeaders: list(r.shiftLeaders),
            dispatchers: list(r.dispatchers),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/assessment/reports/:id/csv',
      summary: 'The report as CSV (UTF-8 with BOM, opens in Excel), limited to its scope',
      tags: ['assessment'],
      access: READERS,
      params: z.object({ id: z.string().min(1) }),
      responses: { 200: { description: 'text/csv attachment', schema: z.string() } },
      handler: async ({ params, ctx, principal }) => {
        const row = await load(params.id);
        const own = await ownOf(principal);
        ctx.type = 'text/csv; charset=utf-8';
        ctx.attachment(`assessment-${row.periodKey}-${row.scope}.csv`);
        if (own === null) return row.csv;
        return renderAssessmentCsv(
          ownResult(scopedResult(unpackResult(row.result), row.scope as ReportScope), own),
          zone,
        );
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/assessment/reports/:id/xlsx',
      summary: 'The report as an Excel workbook (.xlsx), limited to its scope',
      description:
        'The CSV’s table on one sheet (考核结果) with numbers as numbers: counts as integers, rates as fractions formatted as percentages (0.985 shows 98.50%), hours and scores with two decimals; an empty cell where there is nothing to divide by.',
      tags: ['assessment'],
      access: READERS,
      params: z.object({ id: z.string().min(1) }),
      responses: {
        200: {
          description: 'The workbook as an attachment',
          mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          schema: z.unknown(),
        },
      },
      handler: async ({ params, ctx, principal }) => {
        const row = await load(params.id);
        const shown = ownResult(
          scopedResult(unpackResult(row.result), row.scope as ReportScope),
          await ownOf(principal),
        );
        ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
        ctx.attachment(`assessment-${row.periodKey}-${row.scope}.xlsx`);
        return Buffer.from(renderAssessmentXlsx(shown, zone));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/assessment/reports/:id/html',
      summary: 'The report as an HTML page (the mailed tables)',
      tags: ['assessment'],
      access: READERS,
      params: z.object({ id: z.string().min(1) }),
      responses: { 200: { description: 'text/html', schema: z.string() } },
      handler: async ({ params, ctx, principal }) => {
        const row = await load(params.id);
        const own = await ownOf(principal);
        const body =
          own === null
            ? row.html
            : renderAssessmentHtml(
                ownResult(scopedResult(unpackResult(row.result), row.scope as ReportScope), own),
                zone,
              );
        ctx.type = 'text/html; charset=utf-8';
        return `<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>考核评价 ${row.periodKey}</title></head>\n<body>\n${body}</body></html>\n`;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/assessment/reports/:id/cases',
      summary: 'Drill down: the cases behind one figure of one entity',
      description:
        '`entityType` city (no entityId), department (id), street (name), grid (code), supervisor/acceptor/shiftLeader/dispatcher (user id); `figure` a figure key (e.g. closureRate); `part` numerator (default: the cases counted) or denominator.',
      tags: ['assessment'],
      access: READERS,
      params: z.object({ id: z.string().min(1) }),
      query: z.object({
        entityType: z.enum(ENTITY_TYPES),
        entityId: z.string().min(1).optional(),
        figure: z.string().min(1),
        part: z.enum(['numerator', 'denominator']).default('numerator'),
      }),
      responses: {
        200: {
          description: 'The figure and its cases, in case id order',
          schema: z.object({
            reportId: z.string(),
            periodKey: z.string(),
            entity: z.object({ type: z.enum(ENTITY_TYPES), id: z.string(), name: z.string() }),
            figure: z.string(),
            label: z.string(),
            value: z.number().nullable(),
            part: z.enum(['numerator', 'denominator']),
            count: z.number().int(),
            cases: z.array(drillCaseSchema),
          }),
        },
      },
      handler: async ({ params, query, principal }) => {
        const row = await load(params.id);
        const own = await ownOf(principal);
        const result = ownResult(unpackResult(row.result), own);
        // A department drills into its own figures only: the city's cases are every unit's.
        const listed =
          query.entityType !== 'city' &&
          result[ENTITY_LISTS[query.entityType]!].some((e) => e.id === query.entityId);
        if (own !== null && !listed) throw forbidden('a department sees only its own figures and cases');
        const entity = findEntity(result, query.entityType, query.entityId);
        const figure = entity.figures[query.figure];
        if (!figure) {
          throw validationError(`no figure ${query.figure} for a ${query.entityType}`, [
            { field: 'query.figure', message: `one of ${Object.keys(entity.figures).join(', ')}` },
          ]);
        }
        if (query.part === 'denominator' && !figure.denominatorIds) {
          throw validationError(`${query.figure} is a count: it has no denominator`, [
            { field: 'query.part', message: 'use numerator' },
          ]);
        }
        const ids = query.part === 'numerator' ? figure.numeratorIds : figure.denominatorIds!;
        const rows = await prisma.case.findMany({
          where: { id: { in: ids } },
          select: {
            id: true,
            caseNo: true,
            status: true,
            source: true,
            categoryCode: true,
            departmentId: true,
            gridCode: true,
            reportedAt: true,
            registeredAt: true,
            dispatchedAt: true,
            disposedAt: true,
            closedAt: true,
            disposeDeadline: true,
          },
        });
        const byId = new Map(rows.map((c) => [c.id, c]));
        return {
          reportId: row.id,
          periodKey: row.periodKey,
          entity: { type: entity.type, id: entity.id, name: entity.name },
          figure: query.figure,
          label: FIGURE_LABELS[query.figure] ?? query.figure,
          value: figure.value,
          part: query.part,
          count: ids.length,
          // a case deleted since the report was made is left out (the count still says how many there were)
          cases: ids.flatMap((id) => {
            const c = byId.get(id);
            if (!c) return [];
            return [
              {
                ...c,
                reportedAt: c.reportedAt.toISOString(),
                registeredAt: iso(c.registeredAt),
                dispatchedAt: iso(c.dispatchedAt),
                disposedAt: iso(c.disposedAt),
                closedAt: iso(c.closedAt),
                disposeDeadline: iso(c.disposeDeadline),
              },
            ];
          }),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/assessment/rules',
      summary:
        'The assessment rules in force (weights, bands, grades, penalty, public sources) and the defaults',
      tags: ['assessment'],
      access: READERS,
      responses: {
        200: {
          description: 'Rules in force and defaults',
          schema: z.object({
            rules: z.record(z.string(), z.unknown()),
            defaults: z.record(z.string(), z.unknown()),
          }),
        },
      },
      handler: async () => ({
        rules: (await createAssessment({ db }).rules()) as unknown as Record<string, unknown>,
        defaults: DEFAULT_ASSESSMENT_RULES as unknown as Record<string, unknown>,
      }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/assessment/rules',
      summary: 'Store edited rules (whole or some sections; a section given replaces the default section)',
      description:
        'Checked before storing: every composite’s weights sum to 1, every band a term names exists, weights in 0..1, scores in 0..100. Errors name the field (`body.composites.department`). Applies to reports computed from now on; stored reports keep their figures.',
      tags: ['assessment'],
      access: EDITORS,
      body: z.record(z.string(), z.unknown()),
      responses: {
        200: {
          description: 'The rules now in force',
          schema: z.object({ rules: z.record(z.string(), z.unknown()) }),
        },
      },
      handler: async ({ body, principal, log }) => {
        let rules: AssessmentRules;
        try {
          rules = await createAssessment({ db }).saveRules(
            body as Partial<AssessmentRules>,
            principal.username,
          );
        } catch (err) {
          if (err instanceof HubError && err.type === 'validation') {
            throw validationError(
              err.message,
              err.errors.map((e) => ({ ...e, field: e.field === 'rules' ? 'body' : `body.${e.field}` })),
              err,
            );
          }
          throw err;
        }
        logChange(log, principal, 'assessment rules changed', { sections: Object.keys(body) });
        return { rules: rules as unknown as Record<string, unknown> };
      },
    }),
  ];
}
