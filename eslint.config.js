import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependency direction (docs/adr/0003): apps -> libs; read-model, projections, event-store, importers ->
// domain; statements (the application core) -> domain, event-store; importers, projections -> statements;
// domain -> nothing. Libraries import each other only through their public `#name` entry, and an
// app never imports another app (what both need lives in a library, e.g. #runtime).
const appImports = ['**/apps/*', '**/apps/**'];
const APPS = ['api', 'cli'];
/** An import path that reaches into app `name` (`../../api/src/x.js`, `apps/api/...`, `dist/apps/api/...`). */
const intoApp = (name) => `(^|/)(apps/${name}(/|$)|${name}/src(/|$))`;
const appBoundary = (app) => ({
  files: [`apps/${app}/**/*.ts`],
  rules: {
    // `import('…')` with a literal path is an import too (no-restricted-imports sees only static ones)
    'no-restricted-syntax': [
      'error',
      ...APPS.filter((other) => other !== app).map((other) => ({
        selector: `ImportExpression[source.value=/${intoApp(other).replaceAll('/', '\\/')}/]`,
        message: `apps/${app} never imports apps/${other}: move what both need to a library (#runtime).`,
      })),
    ],
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...APPS.filter((other) => other !== app).map((other) => ({
            regex: intoApp(other),
            message: `apps/${app} never imports apps/${other}: move what both need to a library (#runtime).`,
          })),
          { group: ['**/libs/*/src/**'], message: 'Import a library through its #name entry.' },
        ],
      },
    ],
  },
});
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
        '#runtime',
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
      [
        '#domain',
        '#event-store',
        '#projections',
        '#read-model',
        '#importers',
        '#runtime',
        '#statements',
        '@nestjs/*',
      ],
      'libs/reference is leaf data.',
    ),
  },
  {
    files: ['libs/event-store/**/*.ts'],
    rules: restrict(
      ['#projections', '#read-model', '#importers', '#runtime', '#statements', '@nestjs/*'],
      'libs/event-store depends on #domain only.',
    ),
  },
  {
    files: ['libs/read-model/**/*.ts'],
    rules: restrict(
      ['#projections', '#event-store', '#importers', '#runtime', '#statements', '@nestjs/*'],
      'libs/read-model depends on #domain only.',
    ),
  },
  {
    // one module per question, each small enough to read at once (issue "One application core and honest
    // ports"): a module that grows past this is split by what it answers
    files: ['libs/read-model/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/testing/**'],
    rules: { 'max-lines': ['error', { max: 299, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ['libs/projections/**/*.ts'],
    rules: restrict(
      ['#importers', '#runtime', '@nestjs/*'],
      'libs/projections depends on #domain, #event-store, #read-model and #statements (its event codec).',
    ),
  },
  {
    files: ['libs/importers/**/*.ts'],
    rules: restrict(
      ['#projections', '#read-model', '#runtime', '@nestjs/*'],
      'libs/importers depends on #domain, #reference, #event-store and #statements.',
    ),
  },
  {
    files: ['libs/statements/**/*.ts'],
    rules: restrict(
      ['#projections', '#read-model', '#importers', '#runtime', '@nestjs/*'],
      'libs/statements is the framework-free application core: it depends on #domain and #event-store only.',
    ),
  },
  {
    files: ['libs/runtime/**/*.ts'],
    rules: restrict(
      ['#projections', '#read-model', '#importers', '#statements', '@nestjs/*'],
      'libs/runtime (configuration, the store factory, the rebuild hand-over files) depends on #domain and #event-store only.',
    ),
  },
  ...APPS.map(appBoundary),
  {
    // the explorer runs in a browser and reads the service through GraphQL only: no server code, no app
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        HTMLElement: 'readonly',
        HTMLInputElement: 'readonly',
        URLSearchParams: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/apps/**', '../../api/**', '../../cli/**'],
              message: 'The explorer talks to the service through GraphQL only.',
            },
            { group: ['@nestjs/*'], message: 'The explorer runs in a browser.' },
          ],
          // `#name` entries are exact paths (a leading # is a comment in the glob syntax of `patterns`)
          paths: [
            '#domain',
            '#event-store',
            '#projections',
            '#read-model',
            '#statements',
            '#importers',
            '#runtime',
          ].map((name) => ({
            name,
            message: 'The explorer bundles only #reference (its pickers); the rest comes through GraphQL.',
          })),
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
);
