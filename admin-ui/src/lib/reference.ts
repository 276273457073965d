/** Reference data every page labels with (departments, categories), fetched once per session. */
import { listItems } from './api.ts';

export interface Department {
  id: string;
  code: string;
  name: string;
  kind: string;
  parentId: string | null;
  active: boolean;
}
export interface Category {
  id: string;
  kind: 'event' | 'component';
  code: string;
  name: string;
  majorName: string;
}

let departments: Promise<Department[]> | undefined;
let categories: Promise<Category[]> | undefined;

export const getDepartments = () => (departments ??= listItems<Department>('/api/departments'));
export const getCategories = () => (categories ??= listItems<Category>('/api/categories'));

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
