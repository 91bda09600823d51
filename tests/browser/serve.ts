// The stand-in Grafana host with the real sidecar, both orgs configured, for looking at the app by hand
// (test infrastructure: never a way to run the product). Run from the repository root after `npm run build`:
//   npx node tests/browser/serve.ts        (PORT=3000 by default)
import { buildHostBundle } from '../grafana-host/bundle.ts';
import { startStack } from './harness.ts';

const bundle = await buildHostBundle();
process.stdout.write(bundle.built ? `host bundle built in ${bundle.buildMs} ms\n` : 'host bundle up to date\n');
const stack = await startStack({ host: { port: Number(process.env.PORT ?? 3000) } });
for (const orgId of [1, 2]) {
  stack.configureOrg(orgId);
  await stack.connectTeamsApi(orgId);
}
process.stdout.write(
  `Stand-in Grafana host: ${stack.host.url}/login (pick a user)\nsidecar: ${stack.sidecarUrl}\nCtrl+C stops both.\n`
);
const stop = async () => {
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
