/**
 * 部件 (city components, GB/T 30428.2): the registry's rules (registry.ts) and the link of a 部件 case
 * to its component (cases.ts, called by the case-state writer). The routes are routes.ts; the survey
 * import is the geography importer's `components` target.
 */
export {
  checkComponent,
  createComponent,
  updateComponent,
  parseComponentCode,
  COMPONENT_STATUSES,
  COMPONENT_STATUS_LABELS,
  type ComponentCode,
  type ComponentInput,
  type RegistryActor,
} from './registry.ts';
export {
  CASE_COMPONENT_STATUSES,
  componentCaseEnded,
  componentCaseReported,
  type CaseComponentStatus,
} from './cases.ts';
