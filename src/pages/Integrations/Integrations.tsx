import React from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Tab, TabContent, TabsBar, useStyles2 } from '@grafana/ui';
import type { ProjectContext } from '../../api';
import { AppPage } from '../../components/AppPage/AppPage';
import { RequireProject } from '../../components/RequireProject/RequireProject';
import { testIds } from '../../components/testIds';
import { PrometheusIntegrations } from './PrometheusIntegrations';
import { QueryTemplates } from './QueryTemplates';

type TabId = 'prometheus' | 'templates';

/** The tab lives in the URL (`?tab=templates`), so it survives a reload and can be linked to. */
function IntegrationTabs({ current }: { current: ProjectContext }) {
  const s = useStyles2(getStyles);
  const [searchParams, setSearchParams] = useSearchParams();
  const tab: TabId = searchParams.get('tab') === 'templates' ? 'templates' : 'prometheus';
  const select = (next: TabId) =>
    setSearchParams(
      (params) => {
        if (next === 'prometheus') {
          params.delete('tab');
        } else {
          params.set('tab', next);
        }
        return params;
      },
      { replace: true }
    );
  const projectId = current.project.id;
  const canManage = current.permissions.manageIntegrations;

  return (
    <div className={s.content}>
      <TabsBar>
        <Tab
          label="Prometheus"
          icon="database"
          active={tab === 'prometheus'}
          onChangeTab={() => select('prometheus')}
          data-testid={testIds.integrations.tabPrometheus}
        />
        <Tab
          label="PromQL templates"
          icon="brackets-curly"
          active={tab === 'templates'}
          onChangeTab={() => select('templates')}
          data-testid={testIds.integrations.tabTemplates}
        />
      </TabsBar>
      <TabContent className={s.tabContent}>
        {tab === 'prometheus' ? (
          <PrometheusIntegrations projectId={projectId} canManage={canManage} />
        ) : (
          <QueryTemplates projectId={projectId} canManage={canManage} />
        )}
      </TabContent>
    </div>
  );
}

function Integrations() {
  return (
    <AppPage
      testId={testIds.integrations.container}
      subTitle="Where the project's metrics come from: Prometheus servers, and the PromQL queries polled on them."
    >
      <RequireProject>{(current) => <IntegrationTabs current={current} />}</RequireProject>
    </AppPage>
  );
}

export default Integrations;

const getStyles = (theme: GrafanaTheme2) => ({
  content: css({
    maxWidth: theme.breakpoints.values.xxl,
  }),
  tabContent: css({
    paddingTop: theme.spacing(2),
    background: 'transparent',
  }),
});
