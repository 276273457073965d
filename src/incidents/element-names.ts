/**
 * The names a procedure's elements carry in its BPMN (受理登记, 等待定位修复 …), so screens say the step
 * in words instead of its id. A deployed definition never changes, so its names are read once per
 * processDefinitionKey (a small cache: a hub runs a handful of versions).
 */
import type { EngineQuery } from './engine-query.ts';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) =>
    e.startsWith('#x') || e.startsWith('#X')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : (ENTITIES[e] ?? all),
  );

/** id → name of every named element of a BPMN document (whitespace inside a name folded). */
export function elementNamesOf(xml: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const [tag] of xml.matchAll(/<[\w:-]+\s[^>]*>/g)) {
    const id = /\sid="([^"]*)"/.exec(tag)?.[1];
    const name = /\sname="([^"]*)"/.exec(tag)?.[1];
    if (id && name?.trim() && !names.has(id)) names.set(id, decode(name).replace(/\s+/g, ' ').trim());
  }
  return names;
}

const MAX_DEFINITIONS = 50;

/** Names per definition key, read from the engine on first use. */
export function elementNameCache(query: Pick<EngineQuery, 'processDefinitionXml'>) {
  const cache = new Map<string, Promise<Map<string, string>>>();
  return (processDefinitionKey: string): Promise<Map<string, string>> => {
    let names = cache.get(processDefinitionKey);
    if (!names) {
      if (cache.size >= MAX_DEFINITIONS) cache.delete(cache.keys().next().value!);
      names = query.processDefinitionXml(processDefinitionKey).then(elementNamesOf);
      // A failed read is not remembered: the next call asks again.
      names.catch(() => cache.delete(processDefinitionKey));
      cache.set(processDefinitionKey, names);
    }
    return names;
  };
}
