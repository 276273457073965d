/**
 * Words of the app and of each module: a module declares its own zh-CN table and the English one typed
 * by it (`defineMessages`), so modules never edit a shared table and stay complete in both languages.
 * The language is the admin UI's choice (src/lib/i18n.ts, remembered in localStorage).
 */
import { currentLang } from '../../src/lib/i18n.ts';

export type Translate<K extends string> = (key: K, params?: Record<string, string | number>) => string;

/** `t(key, params)` over a module's two tables; `{name}` is replaced from params. */
export function defineMessages<K extends string>(
  zh: Record<K, string>,
  en: Record<NoInfer<K>, string>,
): Translate<K> {
  return (key, params = {}) =>
    (currentLang() === 'en' ? en : zh)[key].replace(/\{(\w+)\}/g, (_, n: string) =>
      String(params[n] ?? `{${n}}`),
    );
}
