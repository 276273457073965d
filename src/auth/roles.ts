/**
 * The hub's roles (design.md, "Who uses it"). A user holds any number of them; each API route declares
 * which roles may call it, and the one access middleware enforces that declaration.
 */
export const ROLES = [
  'administrator',
  'acceptor',
  'dispatcher',
  'department_handler',
  'field_supervisor',
  'shift_leader',
  'leader',
  'law_enforcement',
  'service',
] as const;

export type Role = (typeof ROLES)[number];

/** 中文 names, as people in the command centre call the roles (the browser shows these, GET /api/meta). */
export const ROLE_LABELS: Record<Role, string> = {
  administrator: '系统管理员',
  acceptor: '受理员',
  dispatcher: '派遣员',
  department_handler: '专业部门',
  field_supervisor: '监督员',
  shift_leader: '值班长',
  leader: '领导',
  law_enforcement: '执法人员',
  service: '服务账号',
};

/** Whether a string is one of the hub's roles. */
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * Who may call a route: `'public'` (no credentials), `'authenticated'` (any signed-in user or service
 * account), or the list of roles allowed.
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

/** The caller of a request, resolved from a session token or an API token. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  kind: 'person' | 'service';
  roles: Role[];
  departmentId: string | null;
  /** How the caller authenticated, and the id of the session or API token used. */
  credential: { type: 'session' | 'api-token'; id: string };
}

/** Whether a principal passes a route's access declaration (public routes never get here). */
export function allows(access: Exclude<Access, 'public'>, principal: Principal): boolean {
  if (access === 'authenticated') return true;
  return principal.roles.some((r) => access.includes(r));
}
