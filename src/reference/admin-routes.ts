/**
 * Administration of the reference data: departments, categories and their time limits, the work
 * calendar and the grid (users: src/auth/user-routes.ts). Reads are open to any signed-in user (the
 * lists live in src/reference), changes to administrators. Shapes: README.md here and /openapi.json.
 */
import type { Route } from '../api/route.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { calendarRoutes } from './calendar-routes.ts';
import { categoryRoutes } from './category-routes.ts';
import { departmentRoutes } from './department-routes.ts';
import { gridRoutes } from './grid-routes.ts';

export interface AdminDeps {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE' | 'GEO_EXTENT'>;
}

/** Every administration route. */
export function adminRoutes(deps: AdminDeps): Route[] {
  return [...departmentRoutes(deps), ...categoryRoutes(deps), ...calendarRoutes(deps), ...gridRoutes(deps)];
}
