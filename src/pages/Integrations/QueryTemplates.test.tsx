/**
 * @jest-environment-options {"customExportConditions": ["node", "require"]}
 */
// `yaml`'s browser build is ES modules, which Jest does not transform: load its CommonJS build (same code).
import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import type { QueryTemplate, QueryTemplateList } from '../../api';
import { testIds } from '../../components/testIds';
import { answer, routeSidecar, sidecarError } from '../../testing/fakeSidecar';
import { QueryTemplates } from './QueryTemplates';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const ids = testIds.integrations.templates;
const PROJECT_ID = '0b9f3f5e-8a47-4d2b-9a53-2f0e7f1c9a11';

const template: QueryTemplate = {
  name: 'error-rate',
  description: '',
  query: 'sum(rate(http_requests_total{code=~"5.."}[5m]))',
  service: '{{service}}',
  direction: 'up',
  tier: 'critical',
  enabled: true,
};

const defaults: QueryTemplateList = { source: 'default', templates: [template], effectiveIntervals: {} };

const puts = () =>
  mockFetch.mock.calls.map(([request]: [BackendSrvRequest]) => request).filter((r) => r.method === 'PUT');

function edit(text: string) {
  fireEvent.change(screen.getByTestId(ids.editor), { target: { value: text } });
  fireEvent.click(screen.getByTestId(ids.saveButton));
}

describe('QueryTemplates', () => {
  beforeEach(() => mockFetch.mockReset());

  it('says what is wrong with the YAML or what the sidecar refused, and saves once it is right', async () => {
    let putAnswer = sidecarError(400, 'bad_request', 'templates.0.query: Too small', 'req-42');
    mockFetch.mockImplementation(
      routeSidecar({
        'GET /query-templates': answer(defaults),
        'PUT /query-templates': (request) => putAnswer(request),
      })
    );
    render(<QueryTemplates projectId={PROJECT_ID} canManage />);
    fireEvent.click(await screen.findByTestId(ids.editButton));

    // Not sent: the YAML is checked first.
    edit('templates: nope');
    expect(screen.getByTestId(ids.saveError)).toHaveTextContent('Expected a list under "templates:"');
    expect(screen.getByTestId(ids.saveError)).not.toHaveTextContent('Request id');
    expect(puts()).toHaveLength(0);

    edit('templates:\n  - name: error-rate\n    query: ""\n');
    await waitFor(() => expect(screen.getByTestId(ids.saveError)).toHaveTextContent('templates.0.query: Too small'));
    expect(screen.getByTestId(ids.saveError)).toHaveTextContent('Request id: req-42');
    expect(puts()).toHaveLength(1);

    putAnswer = answer({ ...defaults, source: 'project' });
    edit('templates:\n  - name: error-rate\n    query: up\n');
    await waitFor(() => expect(screen.queryByTestId(ids.editor)).not.toBeInTheDocument());
    expect(screen.getByTestId(ids.sourceBadge)).toHaveAttribute('data-source', 'project');
    expect(puts()[1].data).toEqual({ templates: [{ name: 'error-rate', query: 'up' }] });

    // Editing again starts without the old error.
    fireEvent.click(screen.getByTestId(ids.editButton));
    expect(screen.queryByTestId(ids.saveError)).not.toBeInTheDocument();
  });
});
