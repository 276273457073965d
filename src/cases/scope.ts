/**
 * Who sees which cases: the city-wide roles see every case; a department handler only the cases its
 * department holds or dispatched through it (as a street sub-centre). Every route that reads a case or
 * something of a case (timeline, attachments) filters with `caseScope`, so another department's case
 * answers 404 and ids cannot be probed.
 */
import type { Principal, Role } from '../auth/roles.ts';
import { Prisma } from '../db/index.ts';

/** Roles that see every case; a department handler without one of them sees only its department's. */
export const CITY_WIDE: Role[] = [
  'administrator',
  'acceptor',
  'dispatcher',
  'field_supervisor',
  'shift_leader',
  'leader',
  'service',
];

export const hasAnyRole = (principal: Principal, roles: readonly Role[]) =>
  principal.roles.some((r) => roles.includes(r));

/** The filter limiting a caller to the cases it may see, or null when it sees every case. */
export function caseScope(principal: Principal): Prisma.CaseWhereInput | null {
  if (hasAnyRole(principal, CITY_WIDE)) return null;
  // A handler without a department sees nothing rather than everything.
  if (!principal.departmentId) return { id: { in: [] } };
  return { OR: [{ departmentId: principal.departmentId }, { subCenterId: principal.departmentId }] };
}

/**
 * `caseScope` as a condition on the "Case" table aliased `alias`, for the raw statements that read many
 * cases at once (the map's open cases): parameterised, the same on SQLite and PostgreSQL. Null when the
 * caller sees every case.
 */
export function caseScopeSql(principal: Principal, alias: string): Prisma.Sql | null {
  if (hasAnyRole(principal, CITY_WIDE)) return null;
  if (!principal.departmentId) return Prisma.sql`1 = 0`;
  const col = (name: string) => Prisma.raw(`${alias}."${name}"`);
  return Prisma.sql`(${col('departmentId')} = ${principal.departmentId} OR ${col('subCenterId')} = ${principal.departmentId})`;
}
