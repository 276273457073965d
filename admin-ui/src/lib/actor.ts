/**
 * Who acted on a case, in the city's words. A case event stores the name its writer gave: a person's
 * display name, a source (`12319热线`), an adapter's name for the cases it creates (`open311`, `video`,
 * `utilities`), or a worker's or account's own tag (`系统 (workers)`, `workers`, `系统 (定位)`). Readers
 * must never see those tags, so the desk's timeline, the stale-action message and the app's case view all
 * read the name through here.
 */
import { label, t } from './i18n.ts';

/** Tags the workers, the engine and service accounts write instead of a person's name. */
const SYSTEM_ACTORS = /^(workers|engine|hub|system|service|系统 \(workers\))$/;
/** `系统 (定位)`: a worker naming its own step in Chinese — said as 系统自动定位. */
const SYSTEM_STEP = /^系统 \((\p{Script=Han}+)\)$/u;

export function actorOf(name: string | null | undefined): string {
  if (!name || SYSTEM_ACTORS.test(name)) return t('actor.system');
  const step = SYSTEM_STEP.exec(name);
  // the step in the UI's words where it has them (定位 → location in English), else as the worker wrote it
  if (step) return t('actor.systemStep', { step: label('actorStep', step[1]!) });
  const named = label('actor', name);
  // An adapter is named after the source of the cases it brings (open311, video, sanitation …); a
  // person's name has neither label and stays as it is.
  return named !== name ? named : label('source', name);
}
