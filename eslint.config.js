// Flat config: typescript-eslint's recommended rules over every TypeScript file we own.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'dist/',
      '.test-build/',
      'src/generated/',
      'admin-ui/dist/',
      '**/*.d.ts',
    ],
  },
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
    // One writer of a case's state (src/cases/state): its row and its timeline are written nowhere else.
    files: ['src/**/*.ts', 'workers/**/*.ts', 'adapters/**/*.ts'],
    ignores: ['src/cases/state/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.object.property.name=/^(case|caseEvent)$/][callee.property.name=/^(create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)$/]',
          message: 'Case and CaseEvent are written only by the case-state writer (src/cases/state).',
        },
        {
          selector: 'TemplateElement[value.raw=/(UPDATE|INSERT INTO|DELETE FROM) .?Case(Event)?[^A-Za-z]/i]',
          message: 'Case and CaseEvent are written only by the case-state writer (src/cases/state).',
        },
        {
          selector: 'Literal[value=/(UPDATE|INSERT INTO|DELETE FROM) .?Case(Event)?[^A-Za-z]/i]',
          message: 'Case and CaseEvent are written only by the case-state writer (src/cases/state).',
        },
      ],
    },
  },
  {
    // Layers with one direction and no import cycles (eslint/layers.js has the map).
    files: ['src/**/*.ts', 'workers/**/*.ts', 'adapters/**/*.ts', 'engine/**/*.ts'],
    plugins: { layers },
    rules: { 'layers/imports': 'error' },
  },
  {
    // The config module is the one place allowed to read the environment; tests and scripts set it.
    files: ['src/config.ts', 'test/**', 'bench/**', 'prisma/**', '.ci/**', 'eslint.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
