import React from 'react';
import { config } from '@grafana/runtime';
import { Card, Stack, Text, TextLink } from '@grafana/ui';
import { STAND_IN_LABEL, navTree } from './chrome.tsx';
import { HostPage } from './plugin-page.tsx';

function appItems() {
  return navTree().find((item) => item.id === 'apps')?.children ?? [];
}

export function HomePage() {
  return (
    <HostPage title="Home">
      <Stack direction="column" gap={2}>
        <Text color="secondary">
          {STAND_IN_LABEL}: it loads the built plugin the way Grafana does and implements the Grafana HTTP contracts the
          plugin and its sidecar use. Grafana&apos;s own pages are not here.
        </Text>
        {appItems().map((app) => (
          <Card key={app.id} href={app.url}>
            <Card.Heading>{app.text}</Card.Heading>
            <Card.Description>{app.subTitle}</Card.Description>
            {app.img && (
              <Card.Figure>
                <img src={app.img} alt="" width={40} height={40} />
              </Card.Figure>
            )}
          </Card>
        ))}
      </Stack>
    </HostPage>
  );
}

export function AppsPage() {
  return (
    <HostPage title="Apps">
      <Stack direction="column" gap={1}>
        {appItems().map((app) => (
          <TextLink key={app.id} href={app.url ?? '/'} inline={false}>
            {app.text}
          </TextLink>
        ))}
      </Stack>
    </HostPage>
  );
}

export function PluginsPage() {
  const apps = Object.keys(config.apps);
  return (
    <HostPage title="Plugins" subTitle="Extend the Grafana experience with plugins.">
      <Stack direction="column" gap={1}>
        {apps.map((id) => (
          <Card key={id} href={`/plugins/${id}`}>
            <Card.Heading>{id}</Card.Heading>
            <Card.Description>App plugin, version {config.apps[id]?.version}</Card.Description>
          </Card>
        ))}
      </Stack>
    </HostPage>
  );
}

export function NotFoundPage() {
  return (
    <HostPage title="Page not found">
      <Text color="secondary">This page does not exist in the stand-in Grafana host.</Text>
    </HostPage>
  );
}
