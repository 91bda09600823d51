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
]);
