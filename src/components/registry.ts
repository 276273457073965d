/**
 * The 部件 registry's rules: what a component id is (admin division 6 + major 2 + minor 2 + serial 6,
 * domain.md §1), what a hand-made entry must satisfy, and the history entry every change writes. The
 * survey import (src/geography/import/components.ts) applies the same code rules to files.
 */
import type { Component, ComponentStatus, Prisma, PrismaClient } from '../db/index.ts';
import { HubError, validationError, type FieldError } from '../errors.ts';
import { checkGeometry, type Extent } from '../geography/geojson.ts';
import { cellAt } from '../geography/grid.ts';
import { adminDivisions, COMPONENT_STATUS_LABELS } from '../geography/import/index.ts';
import { isUniqueViolation } from '../db/errors.ts';

export { COMPONENT_STATUS_LABELS };
export const COMPONENT_STATUSES = Object.keys(COMPONENT_STATUS_LABELS) as ComponentStatus[];

/** The parts of a component id. */
export interface ComponentCode {
  admin: string;
  major: string;
  minor: string;
  /** major + minor: the Category code */
  category: string;
  serial: string;
}

export const parseComponentCode = (code: string): ComponentCode | null =>
  /^\d{16}$/.test(code)
    ? {
        admin: code.slice(0, 6),
        major: code.slice(6, 8),
        minor: code.slice(8, 10),
        category: code.slice(6, 10),
        serial: code.slice(10),
      }
    : null;

/** What an administrator gives for a new component, or changes of one. */
export interface ComponentInput {
  code?: string;
  name?: string;
  lng?: number;
  lat?: number;
  address?: string | null;
  departmentId?: string | null;
  status?: ComponentStatus;
  /** YYYY-MM-DD */
  surveyedAt?: string | null;
  note?: string | null;
}

type Client = PrismaClient | Prisma.TransactionClient;

/**
 * Every problem of `input` (after `existing`, for a change) as field errors: the id's form, its admin
 * division (the first 6 digits of the city's grid codes), its category (digits 7–10, an active
 * component category), a serial that is not 000000; the point inside the city; an active unit.
 */
export async function checkComponent(
  prisma: Client,
  input: ComponentInput,
  extent: Extent,
  existing?: Component,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (input.code !== undefined && input.code !== existing?.code) {
    const code = parseComponentCode(input.code);
    if (!code)
      errors.push({
        field: 'body.code',
        message: '16 digits: admin division (6) + major (2) + minor (2) + serial (6)',
      });
    else {
      const cells = await prisma.gridCell.findMany({ select: { code: true } });
      const divisions = adminDivisions(cells.map((c) => c.code));
      if (divisions.size && !divisions.has(code.admin))
        errors.push({
          field: 'body.code',
          message: `digits 1–6 (${code.admin}) are no admin division of the city's grid (${[...divisions].join(', ')})`,
        });
      const category = await prisma.category.findUnique({
        where: { kind_code: { kind: 'component', code: code.category } },
      });
      if (!category?.active)
        errors.push({
          field: 'body.code',
          message: `digits 7–10 (${code.category}) are no active component category (大类 ${code.major}, 小类 ${code.minor})`,
        });
      if (code.serial === '000000')
        errors.push({ field: 'body.code', message: 'the serial (digits 11–16) starts at 000001' });
    }
  }
  const lng = input.lng ?? existing?.lng;
  const lat = input.lat ?? existing?.lat;
  if (input.lng !== undefined || input.lat !== undefined) {
    const found: FieldError[] = [];
    checkGeometry({ type: 'Point', coordinates: [lng, lat] }, 'body', ['Point'], extent, found);
    // checkGeometry names the position (body.coordinates.0/1): the API's fields are lng and lat.
    for (const e of found)
      errors.push({
        field: e.field.endsWith('.1') ? 'body.lat' : 'body.lng',
        message: e.message,
      });
  }
  if (input.departmentId) {
    const unit = await prisma.department.findUnique({ where: { id: input.departmentId } });
    if (!unit?.active) errors.push({ field: 'body.departmentId', message: 'no active unit with this id' });
  }
  if (input.surveyedAt && !/^\d{4}-\d{2}-\d{2}$/.test(input.surveyedAt))
    errors.push({ field: 'body.surveyedAt', message: 'a date YYYY-MM-DD' });
  return errors;
}

const dateOf = (d: string | null | undefined) =>
  d === undefined ? undefined : d === null ? null : new Date(`${d}T00:00:00Z`);

/** Who changes the registry (written in the history). */
export interface RegistryActor {
  userId: string | null;
  name: string;
}

/** Field → [from, to] of the columns a change touched, for the history. */
function diff(before: Component, after: Component) {
  const fields = [
    'code',
    'categoryCode',
    'name',
    'lng',
    'lat',
    'address',
    'departmentId',
    'status',
    'surveyedAt',
    'note',
  ] as const;
  const text = (v: unknown) =>
    v instanceof Date ? v.toISOString().slice(0, 10) : v === null ? null : String(v);
  return fields
    .filter((f) => text(before[f]) !== text(after[f]))
    .map((f) => ({ field: f, from: text(before[f]), to: text(after[f]) }));
}

/**
 * Adds a component after `checkComponent` found nothing (the caller's transaction); a code that exists
 * is a 409 naming `body.code`.
 */
export async function createComponent(
  prisma: PrismaClient,
  input: ComponentInput & { code: string; name: string; lng: number; lat: number },
  extent: Extent,
  actor: RegistryActor,
  at = new Date(),
): Promise<Component> {
  const errors = await checkComponent(prisma, input, extent);
  if (errors.length) throw validationError('the component is not valid', errors);
  const cell = await cellAt(prisma, input.lng, input.lat);
  try {
    return await prisma.$transaction(async (tx) => {
      const row = await tx.component.create({
        data: {
          code: input.code,
          categoryCode: input.code.slice(6, 10),
          name: input.name,
          lng: input.lng,
          lat: input.lat,
          address: input.address ?? null,
          gridCode: cell?.code ?? null,
          departmentId: input.departmentId ?? null,
          status: input.status ?? 'normal',
          surveyedAt: dateOf(input.surveyedAt) ?? null,
          note: input.note ?? null,
        },
      });
      await tx.componentEvent.create({
        data: {
          componentId: row.id,
          type: 'created',
          at,
          actorUserId: actor.userId,
          actorName: actor.name,
          toStatus: row.status,
        },
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new HubError('conflict', `component ${input.code} exists`, {
        status: 409,
        errors: [{ field: 'body.code', message: `a component with id ${input.code} is registered already` }],
      });
    throw err;
  }
}

/** Changes a component (checked as `checkComponent`); the history keeps each field's before and after. */
export async function updateComponent(
  prisma: PrismaClient,
  existing: Component,
  input: ComponentInput,
  extent: Extent,
  actor: RegistryActor,
  at = new Date(),
): Promise<Component> {
  const errors = await checkComponent(prisma, input, extent, existing);
  if (errors.length) throw validationError('the component is not valid', errors);
  const moved = input.lng !== undefined || input.lat !== undefined;
  const cell = moved ? await cellAt(prisma, input.lng ?? existing.lng, input.lat ?? existing.lat) : undefined;
  try {
    return await prisma.$transaction(async (tx) => {
      const row = await tx.component.update({
        where: { id: existing.id },
        data: {
          ...(input.code !== undefined ? { code: input.code, categoryCode: input.code.slice(6, 10) } : {}),
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.lng !== undefined ? { lng: input.lng } : {}),
          ...(input.lat !== undefined ? { lat: input.lat } : {}),
          ...(moved ? { gridCode: cell?.code ?? null } : {}),
          ...(input.address !== undefined ? { address: input.address } : {}),
          ...(input.departmentId !== undefined ? { departmentId: input.departmentId } : {}),
          ...(input.status !== undefined ? { status: input.status } : {}),
          ...(input.surveyedAt !== undefined ? { surveyedAt: dateOf(input.surveyedAt) } : {}),
          ...(input.note !== undefined ? { note: input.note } : {}),
        },
      });
      const changes = diff(existing, row);
      if (changes.length)
        await tx.componentEvent.create({
          data: {
            componentId: row.id,
            type: 'updated',
            at,
            actorUserId: actor.userId,
            actorName: actor.name,
            fromStatus: existing.status,
            toStatus: row.status,
            changes,
          },
        });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new HubError('conflict', `component ${input.code} exists`, {
        status: 409,
        errors: [{ field: 'body.code', message: `a component with id ${input.code} is registered already` }],
      });
    throw err;
  }
}
