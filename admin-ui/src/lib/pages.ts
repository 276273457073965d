/**
 * The app's pages and who may open them. The roles mirror the API's access declarations of what each
 * page calls, so the navigation never offers a page whose data the API would refuse. Each page is its
 * own chunk, loaded when first opened.
 */
import type { User } from './api.ts';
import type { MessageKey } from './i18n.ts';

/** What a page gets when it is mounted. */
export interface PageContext {
  user: User;
  /** Route parameters, e.g. the case id of #/cases/<id>. */
  params: string[];
  navigate(hash: string): void;
}

/** Mounts a page into `el`; returns its clean-up (timers, polling, editors). */
export type MountPage = (el: HTMLElement, ctx: PageContext) => (() => void) | void;

export interface PageDef {
  id: string;
  nav: MessageKey;
  roles: readonly string[];
  /** The page's chunk; `params` lets a page start the chunk its route needs next at the same time. */
  load: (params: string[]) => Promise<{ mount: MountPage }>;
}

export const PAGES: readonly PageDef[] = [
  {
    id: 'cases',
    nav: 'nav.cases',
    // GET /api/cases is city-wide for these roles; department handlers use their own page.
    roles: ['administrator', 'acceptor', 'dispatcher', 'field_supervisor', 'shift_leader', 'leader'],
    // A case's own page (#/cases/<id>) is a chunk of its own, which cases.ts would only ask for once it
    // had run: asked beside it instead, so the two and their imports load at once.
    load: (params) => {
      if (params[0]) void import('../pages/case-detail.ts');
      return import('../pages/cases.ts');
    },
  },
  {
    id: 'desk',
    nav: 'nav.desk',
    roles: ['acceptor', 'dispatcher', 'shift_leader'], // DESK_ROLES of src/cases/desk.ts (administrators use 案卷)
    load: () => import('../pages/desk.ts'),
  },
  {
    id: 'inbox',
    nav: 'nav.inbox',
    roles: ['shift_leader', 'leader', 'administrator'], // INBOX_ROLES of src/escalations
    load: () => import('../pages/inbox.ts'),
  },
  {
    id: 'department',
    nav: 'nav.department',
    roles: ['department_handler'],
    load: () => import('../pages/department.ts'),
  },
  {
    id: 'components',
    nav: 'nav.components',
    // GET /api/components is any signed-in user's; the roles who locate, report and dispatch 部件 cases
    roles: ['administrator', 'acceptor', 'dispatcher', 'field_supervisor', 'shift_leader', 'leader'],
    load: () => import('../pages/components.ts'),
  },
  {
    id: 'ad-signs',
    nav: 'nav.adsigns',
    // AD_SIGN_READERS of src/adsigns/access.ts; its editors (administrators, 执法人员, the units' handlers) change it
    roles: [
      'administrator',
      'law_enforcement',
      'department_handler',
      'acceptor',
      'dispatcher',
      'shift_leader',
      'leader',
      'field_supervisor',
    ],
    load: () => import('../pages/adsigns.ts'),
  },
  {
    id: 'designer',
    nav: 'nav.designer',
    roles: ['administrator'],
    load: () => import('../pages/designer.ts'),
  },
  {
    id: 'wall',
    nav: 'nav.wall',
    roles: ['leader', 'administrator'], // WALL of src/wall/routes.ts (and the leader dashboard it shows)
    load: () => import('../pages/wall.ts'),
  },
  {
    id: 'assessment',
    nav: 'nav.assessment',
    roles: ['leader', 'administrator', 'shift_leader', 'department_handler'], // READERS of src/assessment/routes.ts (a department: its own scores)
    load: () => import('../pages/assessment.ts'),
  },
  {
    id: 'statistics',
    nav: 'nav.statistics',
    roles: ['leader', 'administrator', 'shift_leader', 'dispatcher'], // STATISTICS_READERS of src/statistics/routes.ts
    load: () => import('../pages/statistics.ts'),
  },
  {
    id: 'parking',
    nav: 'nav.parking',
    roles: ['administrator', 'leader', 'shift_leader', 'dispatcher'], // READERS of src/parking/routes.ts
    load: () => import('../pages/parking.ts'),
  },
  {
    id: 'operations',
    nav: 'nav.operations',
    roles: ['administrator'],
    load: () => import('../pages/operations.ts'),
  },
];

/** The pages a user may open, in navigation order. */
export const pagesFor = (user: User): PageDef[] =>
  PAGES.filter((p) => p.roles.some((r) => (user.roles as readonly string[]).includes(r)));
