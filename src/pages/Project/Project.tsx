import React, { useCallback } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { getProject, type ProjectContext } from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { AppPage } from '../../components/AppPage/AppPage';
import { RequireProject } from '../../components/RequireProject/RequireProject';
import { testIds } from '../../components/testIds';
import { useProjectStore } from '../../project/projectStore';
import { useAsyncData } from '../../utils/useAsyncData';
import { usePluginMeta } from '../../utils/utils.plugin';
import { IngestTokens } from './IngestTokens';
import { MemberOverrides } from './MemberOverrides';
import { ProjectDetails } from './ProjectDetails';
import { ProjectEditForm } from './ProjectEditForm';

function ProjectSettings({ current }: { current: ProjectContext }) {
  const s = useStyles2(getStyles);
  const { projectChanged, switchTo } = useProjectStore();
  const sidecarUrl = usePluginMeta()?.jsonData?.sidecarUrl;
  const projectId = current.project.id;
  // The project as it is now (someone may have changed it since it was chosen), fed into the store so that the
  // switcher and this page agree; the page then shows the store's copy.
  const refresh = useCallback(async () => projectChanged(await getProject(projectId)), [projectId, projectChanged]);
  const refreshed = useAsyncData(refresh);

  if (refreshed.status === 'loading') {
    return <LoadingPlaceholder text="Loading the project…" data-testid={testIds.project.loading} />;
  }
  if (refreshed.status === 'error') {
    return (
      <ApiErrorAlert
        title="Could not load the project"
        error={refreshed.error}
        onRetry={refreshed.reload}
        data-testid={testIds.project.error}
      />
    );
  }

  const { project, role, permissions } = current;
  return (
    <div className={s.content}>
      <Stack direction="column" gap={4}>
        <ProjectDetails project={project} role={role} />
        {permissions.manageProject && <ProjectEditForm project={project} onSaved={projectChanged} />}
        <MemberOverrides
          projectId={projectId}
          callerRole={role}
          callerUserId={current.user.id}
          canManage={permissions.manageMembers}
          // Switching to the same project again fetches the caller's new role and permissions.
          onOwnRoleChanged={() => switchTo(projectId)}
        />
        {(permissions.manageIntegrations || permissions.manageProject) && (
          <IngestTokens projectId={projectId} projectSlug={project.slug} sidecarUrl={sidecarUrl} />
        )}
      </Stack>
    </div>
  );
}

function Project() {
  return (
    <AppPage
      testId={testIds.project.container}
      subTitle="The current project, who has which role in it, and (for admins) the tokens that alert senders use."
    >
      <RequireProject>{(current) => <ProjectSettings current={current} />}</RequireProject>
    </AppPage>
  );
}

export default Project;

const getStyles = (theme: GrafanaTheme2) => ({
  content: css({
    maxWidth: theme.breakpoints.values.lg,
  }),
});
