/** Reference data every page labels with (departments, categories), fetched once per session. */
import { listItems, type Item } from './api.ts';

export type Department = Item<'/api/departments'>;
export type Category = Item<'/api/categories'>;

let departments: Promise<Department[]> | undefined;
let categories: Promise<Category[]> | undefined;

export const getDepartments = () => (departments ??= listItems('/api/departments'));
export const getCategories = () => (categories ??= listItems('/api/categories'));

/** After an administrator's change: the next page reads the lists again. */
export function forgetReference(): void {
  departments = undefined;
  categories = undefined;
}

export async function departmentNames(): Promise<Map<string, string>> {
  return new Map((await getDepartments()).map((d) => [d.id, d.name]));
}
export async function categoryNames(): Promise<Map<string, string>> {
  return new Map((await getCategories()).map((c) => [`${c.kind}:${c.code}`, c.name]));
}

/**
 * The departments a form may pick: the active ones, and `current` even when deactivated so an edit
 * shows what is set now. Labelled `name (code)`.
 */
export const departmentChoices = (
  list: readonly Pick<Department, 'id' | 'code' | 'name' | 'active'>[],
  current?: string | null,
) =>
  list
    .filter((d) => d.active || d.id === current)
    .map((d) => ({ value: d.id, label: `${d.name} (${d.code})` }));
