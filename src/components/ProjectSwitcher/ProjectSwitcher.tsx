import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Combobox, type ComboboxOption, Icon, Spinner, Stack, Text, Tooltip, useStyles2 } from '@grafana/ui';
import type { Project } from '../../api';
import { useProjectStore } from '../../project/projectStore';
import { testIds } from '../testIds';

/** Shown when the caller is in no project; projects are Grafana teams, so a team membership is the way in. */
export const NO_PROJECT_MESSAGE =
  'You are not in any project: ask an org admin to add you to a Grafana team that uses SRE Copilot.';

const LABEL_ID = 'sre-copilot-project-switcher-label';

function toOption(project: Project): ComboboxOption<string> {
  return {
    value: project.id,
    label: project.name,
    description: project.isActive ? `Your role: ${project.role}` : `Your role: ${project.role} · inactive`,
  };
}

/** Picks the current project; sits in the header of every page of the app. */
export function ProjectSwitcher() {
  const s = useStyles2(getStyles);
  const { status, projects, current, loadError, switchingTo, switchError, switchTo } = useProjectStore();

  if (status === 'notConfigured') {
    return null;
  }
  if (status === 'loading') {
    return (
      <div className={s.container} data-testid={testIds.projectSwitcher.loading}>
        <Stack direction="row" alignItems="center" gap={1}>
          <Spinner inline />
          <Text color="secondary">Loading projects…</Text>
        </Stack>
      </div>
    );
  }
  if (status === 'error') {
    return (
      <div className={s.container} data-testid={testIds.projectSwitcher.loadError}>
        <Stack direction="row" alignItems="center" gap={1}>
          <Icon name="exclamation-triangle" className={s.errorIcon} />
          <Text color="error">Could not load your projects: {loadError?.message ?? 'unknown error'}</Text>
        </Stack>
      </div>
    );
  }
  if (status === 'empty' || !current) {
    return (
      <div className={s.container} data-testid={testIds.projectSwitcher.empty}>
        <Text color="secondary">{NO_PROJECT_MESSAGE}</Text>
      </div>
    );
  }

  return (
    <div className={s.container} data-testid={testIds.projectSwitcher.container}>
      <Stack direction="row" alignItems="center" gap={1} wrap="wrap">
        <Text color="secondary" id={LABEL_ID}>
          Project
        </Text>
        <Combobox<string>
          aria-labelledby={LABEL_ID}
          data-testid={testIds.projectSwitcher.select}
          options={projects.map(toOption)}
          value={current.project.id}
          onChange={(option) => {
            if (option.value !== current.project.id) {
              switchTo(option.value);
            }
          }}
          loading={switchingTo !== null}
          disabled={switchingTo !== null}
          width="auto"
          minWidth={20}
          maxWidth={40}
        />
        <Text color="secondary" data-testid={testIds.projectSwitcher.role}>
          Your role: {current.role}
        </Text>
        {switchError && (
          <Tooltip content={switchError.message}>
            <span data-testid={testIds.projectSwitcher.switchError}>
              <Text color="error">
                <Icon name="exclamation-triangle" /> Could not switch: {switchError.message}
              </Text>
            </span>
          </Tooltip>
        )}
      </Stack>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    maxWidth: theme.breakpoints.values.md,
  }),
  errorIcon: css({
    color: theme.colors.error.text,
  }),
});
