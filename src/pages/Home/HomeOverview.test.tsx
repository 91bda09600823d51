import React from 'react';
import { render, screen } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import { MemoryRouter } from 'react-router-dom';
import { HomeOverview } from './HomeOverview';
import { PLUGIN_CONFIG_URL } from '../../constants';
import { testIds } from '../../components/testIds';
import { PluginPropsContext } from '../../utils/utils.plugin';
import type { AppJsonData } from '../../types';

function renderWithJsonData(jsonData: AppJsonData) {
  // Built untyped and checked where it is used, so that the deprecated required props do not trip no-deprecated.
  const props = {
    basename: '/a/sre-copilot-app',
    onNavChanged: jest.fn(),
    query: {},
    path: '/a/sre-copilot-app/home',
    meta: {
      id: 'sre-copilot-app',
      name: 'SRE Copilot',
      type: PluginType.app,
      module: 'public/plugins/sre-copilot-app/module.js',
      baseUrl: 'public/plugins/sre-copilot-app',
      info: {
        author: { name: 'SRE Copilot' },
        description: '',
        links: [],
        logos: { large: '', small: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
      jsonData,
    },
  };
  const overview = new HomeOverview({});
  render(
    <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <PluginPropsContext.Provider value={props}>
        <overview.Component model={overview} />
      </PluginPropsContext.Provider>
    </MemoryRouter>
  );
}

describe('HomeOverview', () => {
  it('says what this version contains', () => {
    renderWithJsonData({ sidecarUrl: 'http://localhost:8787' });

    expect(screen.getByTestId(testIds.home.container)).toHaveTextContent('The incident pages come in later versions.');
    expect(screen.queryByTestId(testIds.home.notConfigured)).not.toBeInTheDocument();
  });

  it('points to the configuration page when the sidecar URL is missing', () => {
    renderWithJsonData({});

    expect(screen.getByTestId(testIds.home.notConfigured)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /plugin configuration page/ })).toHaveAttribute('href', PLUGIN_CONFIG_URL);
  });
});
