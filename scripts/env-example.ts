// Writes .env.example from the config schema, so the file and the code never disagree.
import { writeFileSync } from 'node:fs';
import { configSchema } from '../src/config.ts';

const lines = [
  '# chengguan-hub configuration. Every variable is optional; the value shown is the default.',
  '',
];
for (const [name, schema] of Object.entries(configSchema)) {
  const s = schema as unknown as {
    description?: string;
    safeParse(v: unknown): { success: boolean; data?: unknown };
  };
  lines.push(`# ${s.description ?? ''}`);
  const d = s.safeParse(undefined);
  const value = d.success && d.data !== undefined ? String(d.data) : '';
  lines.push(value === '' ? `# ${name}=` : `${name}=${value}`);
  lines.push('');
}
writeFileSync(new URL('../.env.example', import.meta.url), lines.join('\n'));
