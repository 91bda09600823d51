import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Badge, Card, LinkButton, Stack, Text, useStyles2 } from '@grafana/ui';
import type { ProjectContext } from '../../api';
import { AppPage } from '../../components/AppPage/AppPage';
import { RequireProject } from '../../components/RequireProject/RequireProject';
import { testIds } from '../../components/testIds';
import { ROUTES } from '../../constants';
import { prefixRoute } from '../../utils/utils.routing';

function CurrentProject({ current }: { current: ProjectContext }) {
  const { project, role } = current;
  return (
    <Card data-testid={testIds.home.currentProject}>
      <Card.Heading>{project.name}</Card.Heading>
      <Card.Description>{project.description || 'No description.'}</Card.Description>
      <Card.Meta>{[`Your role: ${role}`, `Grafana team ${project.teamId}`]}</Card.Meta>
      {!project.isActive && (
        <Card.Tags>
          <Badge color="orange" text="Inactive" />
        </Card.Tags>
      )}
      <Card.Actions>
        <LinkButton variant="secondary" icon="fire" href={prefixRoute(ROUTES.Incidents)}>
          Incidents
        </LinkButton>
        <LinkButton variant="secondary" icon="history" href={prefixRoute(ROUTES.Audit)}>
          Audit log
        </LinkButton>
        <LinkButton variant="secondary" icon="cog" href={prefixRoute(ROUTES.Project)}>
          Project settings
        </LinkButton>
      </Card.Actions>
    </Card>
  );
}

function Home() {
  const s = useStyles2(getStyles);
  return (
    <AppPage
      testId={testIds.home.container}
      // The app's landing page carries the product's name rather than "Home".
      renderTitle={() => <h1>SRE Copilot</h1>}
      subTitle="Incident copilot for Grafana."
    >
      <div className={s.content}>
        <Stack direction="column" gap={3}>
          <Text element="p">
            SRE Copilot groups alerts and signals into incidents, ranks likely root causes with an explainable
            confidence score, recommends runbooks and keeps a tamper-evident audit log. Projects are Grafana teams; your
            role in a project comes from your team and org role. Alertmanager and Grafana alerting send alerts with a
            project&apos;s ingest token; related alerts open and update incidents, which update live on the Incidents
            page.
          </Text>
          <Stack direction="column" gap={1}>
            <Text element="h2" variant="h4">
              Current project
            </Text>
            <RequireProject>{(current) => <CurrentProject current={current} />}</RequireProject>
          </Stack>
        </Stack>
      </div>
    </AppPage>
  );
}

export default Home;

const getStyles = (theme: GrafanaTheme2) => ({
  content: css({
    maxWidth: theme.breakpoints.values.lg,
    paddingTop: theme.spacing(1),
  }),
});
