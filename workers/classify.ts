/**
 * hub.case.classify — checks the case's category (事件/部件 code) and urgency against the Category
 * table. An unknown or retired category is a configuration problem (incident). The category's default
 * department is the dispatcher's suggestion in the API; the worker does not assign it, because
 * dispatching is a person's decision (派遣).
 */
import { validationError } from '../src/errors.ts';
import { referenceLookup } from '../src/reference/lookup.ts';
import { defineHandler, loadCase } from './job.ts';

export const classify = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const category = await referenceLookup(deps.db.prisma).category(row.categoryKind, row.categoryCode);
  if (!category)
    throw validationError(`case ${row.id}: unknown ${row.categoryKind} category ${row.categoryCode}`);
  if (!category.active)
    throw validationError(
      `case ${row.id}: category ${row.categoryCode} ${category.name} is no longer active`,
    );
  return { categoryCode: row.categoryCode, urgency: row.urgency };
});

export const handlers = { 'hub.case.classify': classify };
