import React from 'react';
import { PluginPage, type PluginPageProps } from '@grafana/runtime';
import { ProjectSwitcher } from '../ProjectSwitcher/ProjectSwitcher';

interface AppPageProps extends Pick<PluginPageProps, 'subTitle' | 'renderTitle' | 'pageNav'> {
  /** The page root's test id. */
  testId: string;
  children: React.ReactNode;
}

/** A page of the app: Grafana's page chrome with the project switcher in the header. */
export function AppPage({ testId, children, ...pageProps }: AppPageProps) {
  return (
    <PluginPage actions={<ProjectSwitcher />} {...pageProps}>
      <div data-testid={testId}>{children}</div>
    </PluginPage>
  );
}
