/**
 * The non-BPMN resources DeployResource stores: DMN decision requirements graphs (`.dmn`) and Camunda
 * forms (`.form`). The engine does not evaluate decisions or render forms; it validates what it needs to
 * version them (ids, names), keeps them, and returns their keys as Zeebe does.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { screenXml } from './parse.ts';

export interface ParsedDrg {
  id: string;
  name: string;
  decisions: { id: string; name: string }[];
}

export interface ParsedForm {
  id: string;
}

// No entity processing: DTDs are refused by screenXml before this parser sees anything.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  processEntities: false,
  isArray: (name) => name === 'decision',
});

/** Parses a DMN resource: its definitions (the DRG) and decisions, or a message naming the problem. */
export function parseDmn(content: string): ParsedDrg | { problem: string } {
  const screened = screenXml(content);
  if (screened) return { problem: screened.replace('BPMN', 'DMN') };
  const valid = XMLValidator.validate(content);
  if (valid !== true)
    return { problem: `not a well-formed XML document: ${valid.err.msg} (line ${valid.err.line})` };
  const doc = parser.parse(content) as { definitions?: Record<string, unknown> };
  const defs = doc.definitions;
  if (!defs || typeof defs !== 'object')
    return { problem: 'not a DMN document: expected a <definitions> root' };
  const id = typeof defs.id === 'string' ? defs.id : '';
  if (!id) return { problem: 'the DMN <definitions> has no id' };
  const decisions: { id: string; name: string }[] = [];
  for (const d of (defs.decision as Record<string, unknown>[] | undefined) ?? []) {
    if (typeof d.id !== 'string' || !d.id) return { problem: 'a DMN <decision> has no id' };
    if (decisions.some((x) => x.id === d.id)) return { problem: `duplicate decision id '${d.id}'` };
    decisions.push({ id: d.id, name: typeof d.name === 'string' ? d.name : d.id });
  }
  if (!decisions.length) return { problem: 'the DMN resource declares no decision' };
  return { id, name: typeof defs.name === 'string' ? defs.name : id, decisions };
}

/** Parses a Camunda form (JSON with a string `id`), or a message naming the problem. */
export function parseForm(content: string): ParsedForm | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    return { problem: `not a JSON form: ${(err as Error).message}` };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { problem: 'a form must be a JSON object' };
  const id = (json as { id?: unknown }).id;
  if (typeof id !== 'string' || !id) return { problem: "the form has no 'id' (a non-empty string)" };
  return { id };
}
