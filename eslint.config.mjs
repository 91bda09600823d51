import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import baseConfig from './.config/eslint.config.mjs';

// Modules that do I/O, hold connections or reach the network. pkg/core stays pure: it gets data and time as arguments.
const IO_MODULES = [
  'pg',
  'pg-boss',
  '@electric-sql/pglite',
  'fastify',
  'pino',
  'jose',
  'openai',
  'undici',
  'fs',
  'fs/promises',
  'node:fs',
  'node:fs/promises',
  'net',
  'node:net',
  'http',
  'node:http',
  'https',
  'node:https',
  'http2',
  'node:http2',
  'child_process',
  'node:child_process',
  'dns',
  'node:dns',
  'process',
  'node:process',
  'timers',
  'node:timers',
  'timers/promises',
  'node:timers/promises',
  'perf_hooks',
  'node:perf_hooks',
];

const coreGlobalMessage = 'pkg/core is pure: pass this in from a service or adapter instead.';

// Layer rules of the sidecar. ESLint keeps one `no-restricted-imports` per file (a later config object's replaces an
// earlier one's), so each folder has one entry holding all of its restrictions, `moment` included. Tests are exempt:
// they set up real databases and servers across layers.
const MOMENT = { name: 'moment', message: 'Use native Date or a small helper.' };
const LAYER_TEST_FILES = ['pkg/**/*.test.ts'];

const httpMessage =
  'pkg/http calls services, never adapters or drivers: add or use a service method (services translate adapter errors into AppError).';
const servicesTransportMessage =
  'Services know no transport: return values or throw AppError (with retryAfterSeconds), and leave HTTP to pkg/http and queues to pkg/jobs.';
const servicesDriverMessage =
  'Services reach the database through the pkg/adapters/db port and its repositories, never through a driver.';
const contractMessage =
  "pkg/contract is the API's shape only: it imports zod, pkg/core and its own files; do the rest in a service or adapter.";
const pluginContractMessage =
  "The plugin takes only types from the sidecar's contract (`import type`): a value it needs (e.g. a header name) is mirrored in src/, so no sidecar code ends up in the bundle.";

export default defineConfig([
  {
    ignores: [
      '**/logs',
      '**/*.log',
      '**/npm-debug.log*',
      '**/yarn-debug.log*',
      '**/yarn-error.log*',
      '**/.pnpm-debug.log*',
      '**/node_modules/',
      '.yarn/cache',
      '.yarn/unplugged',
      '.yarn/build-state.yml',
      '.yarn/install-state.gz',
      '**/.pnp.*',
      '**/pids',
      '**/*.pid',
      '**/*.seed',
      '**/*.pid.lock',
      '**/lib-cov',
      '**/coverage',
      '**/dist/',
      '**/artifacts/',
      '**/ci/',
      'data/',
      'dist/',
      'coverage/',
      'artifacts/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'playwright/.cache/',
      'playwright/.auth/',
      '**/.idea',
      '**/.eslintcache',
    ],
  },
  ...baseConfig,
  {
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'no-console': 'error',
    },
  },
  {
    // Playwright specs; `use` in fixtures is not a React hook.
    files: ['tests/**/*.ts', 'playwright.config.ts'],
    rules: {
      'react-hooks/rules-of-hooks': 'off',
    },
  },
  {
    // The sidecar service and its benchmarks. They share pkg/tsconfig.json (Node, ESM).
    files: ['pkg/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 'latest',
      sourceType: 'module',
      parserOptions: {
        project: './pkg/tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-deprecated': 'warn',
      // pkg/tsconfig.json sets verbatimModuleSyntax, so `import type` from a module next to a value import is expected.
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
    },
  },
  {
    // Pure domain logic: no I/O, no clock, no randomness, no ambient process state.
    files: ['pkg/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'moment', message: 'Use native Date or a small helper.' },
            ...IO_MODULES.map((name) => ({
              name,
              message: 'pkg/core is pure: do I/O in pkg/adapters or pkg/services.',
            })),
          ],
          patterns: [
            {
              group: [
                'pg/*',
                'pg-boss/*',
                '@electric-sql/pglite/*',
                'fastify/*',
                '@fastify/*',
                'pino/*',
                'jose/*',
                'openai/*',
                'undici/*',
              ],
              message: 'pkg/core is pure: do I/O in pkg/adapters or pkg/services.',
            },
            {
              // ../adapters/*, ../services/*, ../http/*, ../jobs/* from any depth inside pkg/core.
              regex: '^(\\.\\./)+(adapters|services|http|jobs)(/|$)',
              message: 'pkg/core must not depend on adapters, services, http or jobs; they depend on core.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['fetch', 'process', 'setTimeout', 'setInterval', 'XMLHttpRequest', 'WebSocket'].map((name) => ({
          name,
          message: coreGlobalMessage,
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pkg/core takes the current time as an argument.' },
        { object: 'Math', property: 'random', message: 'pkg/core takes randomness as an argument.' },
        { object: 'performance', property: 'now', message: 'pkg/core takes the current time as an argument.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'pkg/core takes the current time as an argument.',
        },
        {
          selector: 'ImportExpression',
          message: 'pkg/core uses static imports only, so that no-restricted-imports sees every dependency.',
        },
      ],
    },
  },
  {
    // The HTTP layer: fastify, routes and error mapping over services.
    files: ['pkg/http/**/*.ts'],
    ignores: LAYER_TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [MOMENT, ...['pg', 'pg-boss', '@electric-sql/pglite'].map((name) => ({ name, message: httpMessage }))],
          patterns: [
            { group: ['pg/*', 'pg-boss/*', '@electric-sql/pglite/*'], message: httpMessage },
            // ../adapters/* and ../../adapters/* from any depth inside pkg/http, type imports included.
            { regex: '^(\\.\\./)+adapters(/|$)', message: httpMessage },
          ],
        },
      ],
    },
  },
  {
    // The service layer: business rules, transport-free.
    files: ['pkg/services/**/*.ts'],
    ignores: LAYER_TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            MOMENT,
            ...['fastify', 'pg-boss'].map((name) => ({ name, message: servicesTransportMessage })),
            ...['pg', '@electric-sql/pglite'].map((name) => ({ name, message: servicesDriverMessage })),
          ],
          patterns: [
            { group: ['fastify/*', '@fastify/*', 'pg-boss/*'], message: servicesTransportMessage },
            { group: ['pg/*', '@electric-sql/pglite/*'], message: servicesDriverMessage },
            { regex: '^(\\.\\./)+http(/|$)', message: servicesTransportMessage },
          ],
        },
      ],
    },
  },
  {
    // The API contract, shared with the plugin (as types): zod schemas over core's vocabulary, nothing else.
    files: ['pkg/contract/**/*.ts'],
    ignores: LAYER_TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [MOMENT],
          patterns: [
            {
              // Anything but zod, ./<own file> and ../core/<file> (no way out of either through `..`).
              regex: '^(?!(zod(/.*)?|\\./(?!.*\\.\\.).+|\\.\\./core/(?!.*\\.\\.).+)$)',
              message: contractMessage,
            },
          ],
        },
      ],
    },
  },
  {
    // The plugin shares the sidecar's contract as types only (a separate rule: the built-in one keeps `moment`).
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '(^|/)pkg/contract(/|$)', allowTypeImports: true, message: pluginContractMessage }],
        },
      ],
    },
  },
]);
