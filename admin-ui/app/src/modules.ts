/**
 * The app's modules (智信平台): each is its own chunk, shown to the roles it lists. To add one, write
 * `src/modules/<id>/index.ts` exporting `mount` and add an entry here (README.md beside this folder).
 */
import type { User } from '../../src/lib/api.ts';

/** What a module gets when the shell mounts it. */
export interface ModuleContext {
  /** The signed-in user; null only in a `public` module opened without an account. */
  user: User | null;
  /** The hash path after the module's id: `#/supervisor/report/x` → `['report', 'x']`. */
  path: string[];
  /** Goes to another hash (`#/supervisor/tasks`); the shell re-mounts the module with the new path. */
  navigate(hash: string): void;
  /** A short line at the bottom of the screen (role=status, or role=alert for errors). */
  notify(text: string, kind?: 'ok' | 'error' | 'info'): void;
  /** The top bar's title (the module's name when not set). */
  setTitle(text: string): void;
}

/** Mounts the module into `el`; returns its clean-up (timers, watchers, feeds). */
export type MountModule = (el: HTMLElement, ctx: ModuleContext) => (() => void) | void;

export interface AppModule {
  /** First segment of the hash: `#/<id>/…`. */
  id: string;
  /** Name on the home screen and the tab bar, both languages. */
  name: { zh: string; en: string };
  /** One line under the name on the home screen. */
  summary: { zh: string; en: string };
  /** Who sees it; `'public'`: also without an account (listed on the login screen). */
  roles: readonly string[] | 'public';
  load: () => Promise<{ mount: MountModule }>;
  /**
   * Work that runs while the app is open whatever screen is shown, started once after the app starts or
   * the user logs in (城管通's patrol tracker). Loaded lazily like `load`.
   */
  background?: () => Promise<{ start: (user: User) => void }>;
}

export const MODULES: readonly AppModule[] = [
  {
    id: 'supervisor',
    name: { zh: '城管通', en: 'Field patrol' },
    summary: {
      zh: '上班巡查、上报、自处理、核实核查',
      en: 'Patrol, reports, self-handling, verify and check',
    },
    roles: ['field_supervisor'],
    load: () => import('./modules/supervisor/index.ts'),
    background: () => import('./modules/supervisor/background.ts'),
  },
  {
    id: 'department',
    name: { zh: '处置通', en: 'Disposal' },
    summary: { zh: '签收、处置反馈、延期回退挂账、与指挥中心沟通', en: 'Sign, dispose, requests, messages' },
    roles: ['department_handler'],
    load: () => import('./modules/department/index.ts'),
  },
  {
    id: 'enforcement',
    name: { zh: '执法通', en: 'Enforcement' },
    summary: {
      zh: '现场检查取证、责令整改、复查、处罚决定',
      en: 'Inspection, correction order, re-inspection, penalty',
    },
    roles: ['law_enforcement'],
    load: () => import('./modules/enforcement/index.ts'),
  },
  {
    id: 'leader',
    name: { zh: '领导通', en: 'Leader' },
    summary: {
      zh: '今日指标对标、超期督办案件、案件分布、批示',
      en: 'Figures against targets, overdue cases, map, instructions',
    },
    roles: ['leader'],
    load: () => import('./modules/leader/index.ts'),
  },
  {
    id: 'patrol',
    name: { zh: '巡查轨迹', en: 'Patrols' },
    summary: {
      zh: '监督员上班、在岗时长、巡查里程和当天轨迹',
      en: 'Supervisors on duty, time on duty, distance and the day’s track',
    },
    roles: ['shift_leader'],
    load: () => import('./modules/patrol/index.ts'),
  },
  {
    id: 'citizen',
    name: { zh: '市民通', en: 'Citizens' },
    summary: {
      zh: '拍照反映城市管理问题，查看办理进展，评价处理结果',
      en: 'Report a problem with photos, follow it, rate the result',
    },
    roles: 'public',
    load: () => import('./modules/citizen/index.ts'),
  },
];

/**
 * The modules a user sees; with no user, the `public` ones. A signed-in user's home and tab bar list only
 * the modules of their roles (a supervisor with one module still lands in it); a `public` module stays
 * reachable by its link (`publicModule`).
 */
export function modulesFor(user: User | null): AppModule[] {
  return MODULES.filter((m) =>
    m.roles === 'public'
      ? user === null
      : user !== null && user.roles.some((r) => (m.roles as string[]).includes(r)),
  );
}

/** A `public` module by id (opened by link whether or not someone is signed in). */
export const publicModule = (id: string): AppModule | undefined =>
  MODULES.find((m) => m.roles === 'public' && m.id === id);
