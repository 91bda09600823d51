// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const baseConfig = require('./.config/jest.config');

// Some Grafana dependencies (e.g. d3-color) ship ES modules as `.mjs` files only; the scaffold's transform
// covers `.js`/`.ts` files, so transform `.mjs` with the same swc settings.
const [, swcTransform] = Object.entries(baseConfig.transform)[0];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...baseConfig,
  transform: {
    ...baseConfig.transform,
    '^.+\\.mjs$': swcTransform,
  },
};
