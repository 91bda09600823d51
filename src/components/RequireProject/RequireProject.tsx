import React from 'react';
import { Alert, EmptyState, LoadingPlaceholder, TextLink } from '@grafana/ui';
import type { ProjectContext } from '../../api';
import { PLUGIN_CONFIG_URL } from '../../constants';
import { useProjectStore } from '../../project/projectStore';
import { ApiErrorAlert } from '../ApiErrorAlert/ApiErrorAlert';
import { NO_PROJECT_MESSAGE } from '../ProjectSwitcher/ProjectSwitcher';
import { testIds } from '../testIds';

interface RequireProjectProps {
  /** Renders the page for the current project. */
  children: (current: ProjectContext) => React.ReactNode;
}

/**
 * Renders its children for the current project, or why there is none (not configured, loading, no project,
 * error). Keyed on the project id: switching projects mounts the page afresh, so it loads that project's data.
 */
export function RequireProject({ children }: RequireProjectProps) {
  const { status, current, loadError, reload } = useProjectStore();

  if (status === 'notConfigured') {
    return (
      <Alert severity="info" title="Sidecar not configured" data-testid={testIds.projectState.notConfigured}>
        An administrator sets the sidecar URL and shared secret on the{' '}
        <TextLink href={PLUGIN_CONFIG_URL} inline>
          plugin configuration page
        </TextLink>
        .
      </Alert>
    );
  }
  if (status === 'loading') {
    return <LoadingPlaceholder text="Loading your projects…" data-testid={testIds.projectState.loading} />;
  }
  if (status === 'error' && loadError) {
    return (
      <ApiErrorAlert
        title="Could not load your projects"
        error={loadError}
        onRetry={reload}
        data-testid={testIds.projectState.error}
        retryTestId={testIds.projectState.retry}
      />
    );
  }
  if (status === 'empty' || !current) {
    return (
      <div data-testid={testIds.projectState.empty}>
        <EmptyState variant="not-found" message="No project to show">
          {NO_PROJECT_MESSAGE}
        </EmptyState>
      </div>
    );
  }
  return <React.Fragment key={current.project.id}>{children(current)}</React.Fragment>;
}
