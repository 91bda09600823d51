import React from 'react';
import { Badge, Text, useStyles2 } from '@grafana/ui';
import type { Project, ProjectRoleName } from '../../api';
import { getDefinitionListStyles } from '../../components/DefinitionList/getDefinitionListStyles';
import { testIds } from '../../components/testIds';

interface ProjectDetailsProps {
  project: Project;
  role: ProjectRoleName;
}

/** The project as it is, read-only: shown to every role. */
export function ProjectDetails({ project, role }: ProjectDetailsProps) {
  const s = useStyles2(getDefinitionListStyles);
  return (
    <dl className={s.definitionList} data-testid={testIds.project.details}>
      <dt>Name</dt>
      <dd data-testid={testIds.project.detailName}>{project.name}</dd>
      <dt>Description</dt>
      <dd data-testid={testIds.project.detailDescription}>
        {project.description || <Text color="secondary">No description</Text>}
      </dd>
      <dt>Grafana team id</dt>
      <dd data-testid={testIds.project.detailTeamId}>{project.teamId}</dd>
      <dt>Status</dt>
      <dd data-testid={testIds.project.detailActive}>
        {project.isActive ? <Badge color="green" text="Active" /> : <Badge color="orange" text="Inactive" />}
      </dd>
      <dt>Your role</dt>
      <dd data-testid={testIds.project.role}>{role}</dd>
    </dl>
  );
}
