// Writes .env.example from the config schema, so the file and the code never disagree.
import { writeFileSync } from 'node:fs';
import { configSchema } from '../src/config.ts';

const lines = [
  '# chengguan-hub configuration. Every variable is optional; the value shown is the default.',
  '',
];
/** zod's inner definitions, outermost first: a pipe's input, a default's or an optional's inner type. */
interface Def {
  type: string;
  defaultValue?: unknown;
  in?: { _zod: { def: Def } };
  innerType?: { _zod: { def: Def } };
}

/**
 * The default as an administrator writes it: a setting whose text is transformed (GEO_EXTENT's
 * `minLng,minLat,maxLng,maxLat` into an object) shows the default text, not the parsed value.
 */
function writtenDefault(schema: unknown): unknown {
  for (
    let def = (schema as { _zod?: { def: Def } })._zod?.def;
    def;
    def = (def.in ?? def.innerType)?._zod.def
  )
    if (def.type === 'default') return def.defaultValue;
  return undefined;
}

for (const [name, schema] of Object.entries(configSchema)) {
  const s = schema as unknown as {
    description?: string;
    safeParse(v: unknown): { success: boolean; data?: unknown };
  };
  lines.push(`# ${s.description ?? ''}`);
  const d = s.safeParse(undefined);
  const parsed = d.success ? d.data : undefined;
  const shown = parsed !== null && typeof parsed === 'object' ? writtenDefault(schema) : parsed;
  const value = shown === undefined ? '' : String(shown);
  lines.push(value === '' ? `# ${name}=` : `${name}=${value}`);
  lines.push('');
}
writeFileSync(new URL('../.env.example', import.meta.url), lines.join('\n'));
