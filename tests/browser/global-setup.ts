import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, buildHostBundle } from '../grafana-host/bundle.ts';
import { SCREENSHOT_DIR } from './harness.ts';

/** Runs once before the browser and host tests: the plugin must be built; the host bundle is built if stale. */
export default async function setup(): Promise<void> {
  const dist = join(REPO_ROOT, 'dist');
  for (const file of ['module.js', 'plugin.json']) {
    if (!existsSync(join(dist, file))) {
      throw new Error(`dist/${file} is missing: build the plugin first (npm run build), then run these tests again.`);
    }
  }
  const srcPluginJson = join(REPO_ROOT, 'src', 'plugin.json');
  if (existsSync(srcPluginJson) && statSync(srcPluginJson).mtimeMs > statSync(join(dist, 'plugin.json')).mtimeMs) {
    process.stderr.write(
      'warning: src/plugin.json is newer than dist/: the tests run the last build (npm run build)\n'
    );
  }
  // Screenshots of failures from an earlier run would mislead.
  if (existsSync(SCREENSHOT_DIR)) {
    for (const file of readdirSync(SCREENSHOT_DIR).filter((f) => f.startsWith('failed-'))) {
      rmSync(join(SCREENSHOT_DIR, file));
    }
  }
  const bundle = await buildHostBundle();
  const size = `${(bundle.bytes / 1024 / 1024).toFixed(1)} MB`;
  process.stderr.write(
    bundle.built
      ? `stand-in Grafana host bundle built in ${(bundle.buildMs / 1000).toFixed(1)} s (${size})\n`
      : `stand-in Grafana host bundle up to date (${size})\n`
  );
}
