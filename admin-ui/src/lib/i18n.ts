/**
 * zh-CN by default, English on request; the choice is remembered in localStorage. Pages take their
 * words from here with t(key, params) so both languages stay complete (the English table is typed by
 * the Chinese one: a missing key is a type error).
 */
import { zh } from './messages-zh.ts';
import { en } from './messages-en.ts';

export type Lang = 'zh-CN' | 'en';
export type MessageKey = keyof typeof zh;

const LANG_KEY = 'hub.lang';
const tables: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zh, en };

let lang: Lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
document.documentElement.lang = lang;

export const currentLang = (): Lang => lang;

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
}

/** The message in the current language, `{name}` replaced from params. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/**
 * One formatter per language: `toLocaleString` with options builds a new one for every call, which a
 * case's timeline pays once per entry (≈ 10 ms of the case page's first draw in Chromium).
 */
const timeFormats = new Map<Lang, Intl.DateTimeFormat>();

/** A date-time in the city's time zone (Asia/Shanghai), in the current language. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  let format = timeFormats.get(lang);
  if (!format) {
    format = new Intl.DateTimeFormat(lang, {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    });
    timeFormats.set(lang, format);
  }
  return format.format(new Date(iso));
}

/**
 * A status, role, source … label: `prefix.value` in the table, or else `fallback` (the hub's own name
 * of a thing the UI has no words for), or the value itself.
 */
export function label(prefix: string, value: string | null | undefined, fallback?: string): string {
  if (value == null) return '—';
  const key = `${prefix}.${value}` as MessageKey;
  return key in zh ? t(key) : (fallback ?? value);
}
