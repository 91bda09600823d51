import React, { useState } from 'react';
import { Stack } from '@grafana/ui';
import { AppPage } from '../../components/AppPage/AppPage';
import { RequireProject } from '../../components/RequireProject/RequireProject';
import { testIds } from '../../components/testIds';
import { AuditFiltersForm } from './AuditFiltersForm';
import { AuditResults } from './AuditResults';
import { type AuditFilterValues, emptyAuditFilters, hasAuditFilters, toAuditQuery } from './auditFilters';
import { ChainStatus } from './ChainStatus';

function AuditLog({ projectId }: { projectId: string }) {
  const [applied, setApplied] = useState(() => {
    const filters = emptyAuditFilters();
    // `listing` counts applications: applying the same filters again is a refresh, and mounts a new listing.
    return { filters, query: toAuditQuery(filters), listing: 0 };
  });

  const onApply = (filters: AuditFilterValues) =>
    setApplied((previous) => ({ filters, query: toAuditQuery(filters), listing: previous.listing + 1 }));

  return (
    <Stack direction="column" gap={2}>
      <ChainStatus projectId={projectId} />
      <AuditFiltersForm applied={applied.filters} onApply={onApply} />
      <AuditResults
        key={applied.listing}
        projectId={projectId}
        query={applied.query}
        isFiltered={hasAuditFilters(applied.filters)}
      />
    </Stack>
  );
}

function Audit() {
  return (
    <AppPage
      testId={testIds.audit.container}
      subTitle="Every change in the current project, newest first. Each entry is hash-chained to the one before it, so tampering shows."
    >
      <RequireProject>{(current) => <AuditLog projectId={current.project.id} />}</RequireProject>
    </AppPage>
  );
}

export default Audit;
