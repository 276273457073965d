// Flat config: typescript-eslint's recommended rules over every TypeScript file we own.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'src/generated/', 'admin-ui/dist/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through src/config.ts.' },
      ],
    },
  },
  {
    // The config module is the one place allowed to read the environment; tests and scripts set it.
    files: ['src/config.ts', 'test/**', 'bench/**', 'prisma/**', '.ci/**', 'eslint.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
