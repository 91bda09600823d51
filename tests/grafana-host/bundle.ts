import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration, Stats } from 'webpack';

export const HOST_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(HOST_DIR, '..', '..');
const APP_DIR = join(HOST_DIR, 'app');
const CACHE_ROOT = join(REPO_ROOT, 'node_modules', '.cache', 'sre-copilot-grafana-host');
export const BUNDLE_ENTRY = 'host.js';

export interface HostBundle {
  dir: string;
  /** false when an up-to-date build was found in the cache. */
  built: boolean;
  buildMs: number;
  /** Size of all emitted JavaScript, in bytes. */
  bytes: number;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

/** The cache key: the bundle's sources, this builder and the locked dependency versions. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...listFiles(APP_DIR), fileURLToPath(import.meta.url), join(REPO_ROOT, 'package-lock.json')]) {
    hash.update(relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Where the bundle for the current sources lives (built or not). */
export function hostBundleDir(): string {
  return join(CACHE_ROOT, sourceHash());
}

export function isHostBundleBuilt(dir = hostBundleDir()): boolean {
  return existsSync(join(dir, 'build-info.json'));
}

function jsBytes(dir: string): number {
  return listFiles(dir)
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + statSync(f).size, 0);
}

function webpackConfig(outDir: string): Configuration {
  const nodeModules = join(REPO_ROOT, 'node_modules');
  return {
    mode: 'production',
    context: REPO_ROOT,
    entry: { host: join(APP_DIR, 'index.tsx') },
    target: 'web',
    devtool: false,
    output: {
      path: outDir,
      filename: '[name].js',
      chunkFilename: '[name].[contenthash:8].js',
      publicPath: '/public/build/',
      // Its own chunk-loading global, so it cannot collide with the plugin's webpack runtime.
      uniqueName: 'stand-in-grafana-host',
      clean: true,
    },
    resolve: {
      extensions: ['.tsx', '.ts', '.mjs', '.js', '.json'],
      alias: {
        'grafana-runtime-plugin-page$': join(nodeModules, '@grafana/runtime/dist/esm/components/PluginPage.mjs'),
      },
    },
    resolveLoader: { modules: [nodeModules] },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          include: APP_DIR,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                parser: { syntax: 'typescript', tsx: true },
                target: 'es2020',
                transform: { react: { runtime: 'classic' } },
              },
            },
          },
        },
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        // SystemJS is a classic script: webpack must not treat its `define` as AMD.
        { test: /[\\/]systemjs[\\/]/, parser: { amd: false } },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(woff2?|ttf|eot|png|jpe?g|gif|svg)$/, type: 'asset/resource' },
      ],
    },
    // Minifying ~10 MB costs more time than the bytes cost on localhost.
    optimization: { minimize: false },
    performance: { hints: false },
    cache: {
      type: 'filesystem',
      cacheDirectory: join(CACHE_ROOT, 'webpack'),
      buildDependencies: { config: [fileURLToPath(import.meta.url)] },
    },
    infrastructureLogging: { level: 'error' },
    stats: 'errors-warnings',
  };
}

/**
 * Builds the host's browser bundle with webpack into node_modules/.cache/ unless a build of the same sources is
 * there already. Builds into a temporary folder first, so a half-written bundle is never used.
 */
export async function buildHostBundle(options: { force?: boolean } = {}): Promise<HostBundle> {
  const dir = hostBundleDir();
  if (!options.force && isHostBundleBuilt(dir)) {
    return { dir, built: false, buildMs: 0, bytes: jsBytes(dir) };
  }
  const started = Date.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(CACHE_ROOT, { recursive: true });
  const { default: webpack } = await import('webpack');
  const stats = await new Promise<Stats>((resolve, reject) => {
    const compiler = webpack(webpackConfig(tmp));
    compiler.run((error, result) => {
      compiler.close(() => (error || !result ? reject(error ?? new Error('webpack gave no result')) : resolve(result)));
    });
  });
  if (stats.hasErrors()) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`Building the stand-in Grafana host bundle failed:\n${stats.toString('errors-only')}`);
  }
  const buildMs = Date.now() - started;
  writeFileSync(join(tmp, 'build-info.json'), JSON.stringify({ builtAt: new Date().toISOString(), buildMs }));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  // Older builds are of no use once the sources changed.
  for (const entry of readdirSync(CACHE_ROOT)) {
    const path = join(CACHE_ROOT, entry);
    if (path !== dir && entry !== 'webpack' && !entry.includes('.tmp-')) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  return { dir, built: true, buildMs, bytes: jsBytes(dir) };
}
