import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependency direction (docs/adr/0003): apps -> libs; read-model, projections, event-store, importers ->
// domain; statements (the application core) -> domain, event-store; importers, projections -> statements;
// domain -> nothing. Libraries import each other only through their public `#name` entry.
const appImports = ['**/apps/*', '**/apps/**'];
// `#name` entries are exact paths (a leading # is a comment in the glob syntax of `patterns`).
const restrict = (forbidden, message) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: forbidden.filter((name) => name.startsWith('#')).map((name) => ({ name, message })),
      patterns: [
        { group: forbidden.filter((name) => !name.startsWith('#')), message },
        { group: appImports, message: 'Libraries never import from apps/.' },
        {
          group: ['**/libs/*/src/**', '../../*/src/**'],
          message: 'Import another library through its #name entry.',
        },
      ],
    },
  ],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'bench/results/**',
      'test/fixtures/lint/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: restrict(
      [
        '#reference',
        '#event-store',
        '#projections',
        '#read-model',
        '#importers',
        '#statements',
        '@nestjs/*',
        'better-sqlite3',
        'node:fs',
        'fs',
      ],
      'libs/domain is pure: no framework, no I/O, no other library.',
    ),
  },
  {
    files: ['libs/reference/**/*.ts'],
    rules: restrict(
      ['#domain', '#event-store', '#projections', '#read-model', '#importers', '#statements', '@nestjs/*'],
      'libs/reference is leaf data.',
    ),
  },
  {
    files: ['libs/event-store/**/*.ts'],
    rules: restrict(
      ['#projections', '#read-model', '#importers', '#statements', '@nestjs/*'],
      'libs/event-store depends on #domain only.',
    ),
  },
  {
    files: ['libs/read-model/**/*.ts'],
    rules: restrict(
      ['#projections', '#event-store', '#importers', '#statements', '@nestjs/*'],
      'libs/read-model depends on #domain only.',
    ),
  },
  {
    files: ['libs/projections/**/*.ts'],
    rules: restrict(
      ['#importers', '@nestjs/*'],
      'libs/projections depends on #domain, #event-store, #read-model and #statements (its event codec).',
    ),
  },
  {
    files: ['libs/importers/**/*.ts'],
    rules: restrict(
      ['#projections', '#read-model', '@nestjs/*'],
      'libs/importers depends on #domain, #reference, #event-store and #statements.',
    ),
  },
  {
    files: ['libs/statements/**/*.ts'],
    rules: restrict(
      ['#projections', '#read-model', '#importers', '@nestjs/*'],
      'libs/statements is the framework-free application core: it depends on #domain and #event-store only.',
    ),
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
);
