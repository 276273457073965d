/**
 * Builds the admin UI into admin-ui/dist, which the hub serves at / (src/ui/static.ts), and the
 * installable app (智信平台, admin-ui/app/) into dist/app/, served at /app/ with its service worker,
 * manifest and icons (app/pwa-plugin.ts); the two entries share chunks (lit-html, the API client). Pages are
 * separate chunks (dynamic import), so the login screen never loads bpmn-js. `virtual:bpmnlint-config`
 * is processes/.bpmnlintrc compiled by bpmnlint itself into a module that imports each rule, so the
 * designer lints with exactly the rules the server applies on deploy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';
import { pwaPlugin } from './app/pwa-plugin.ts';

const require = createRequire(import.meta.url);
const root = new URL('.', import.meta.url).pathname;
const rcPath = new URL('../processes/.bpmnlintrc', import.meta.url).pathname;

function bpmnlintConfig(): Plugin {
  const id = 'virtual:bpmnlint-config';
  return {
    name: 'bpmnlint-config',
    resolveId: (source) => (source === id ? '\0' + id : null),
    async load(resolved) {
      if (resolved !== '\0' + id) return null;
      this.addWatchFile(rcPath);
      const compileConfig = require('bpmnlint/lib/support/compile-config') as (c: unknown) => Promise<string>;
      return compileConfig(JSON.parse(readFileSync(rcPath, 'utf8')));
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [bpmnlintConfig(), ...pwaPlugin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 3000,
    target: 'es2022',
    rolldownOptions: { input: { main: `${root}index.html`, app: `${root}app/index.html` } },
  },
  server: {
    // `npx vite --config admin-ui/vite.config.ts` during UI work: the API of a hub on :3000.
    proxy: { '/api': 'http://127.0.0.1:3000' },
    fs: { allow: ['..'] },
  },
});
