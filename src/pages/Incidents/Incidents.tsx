import React, { useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { Button, Stack } from '@grafana/ui';
import type { ProjectContext } from '../../api';
import { AppPage } from '../../components/AppPage/AppPage';
import { LiveIndicator } from '../../components/LiveIndicator/LiveIndicator';
import { RequireProject } from '../../components/RequireProject/RequireProject';
import { testIds } from '../../components/testIds';
import { useProjectEvents } from '../../project/useProjectEvents';
import { incidentUrl } from '../../utils/utils.routing';
import { DeclareIncidentModal } from './DeclareIncidentModal';
import { IncidentFiltersForm } from './IncidentFiltersForm';
import { IncidentList } from './IncidentList';
import { filtersFromSearchParams, filtersToSearchParams, type IncidentFilterValues } from './incidentFilters';

/** The page address's query parameters that hold the filters; any others are left alone. */
const FILTER_PARAMS = ['status', 'severity', 'service', 'q', 'from', 'to'];

/** The filter parameters of an address as one text: equal filters, equal text. */
const filterTextOf = (params: URLSearchParams) =>
  FILTER_PARAMS.map((name) => `${name}=${encodeURIComponent(params.get(name) ?? '')}`).join('&');

function IncidentsOfProject({ current }: { current: ProjectContext }) {
  const projectId = current.project.id;
  const navigate = useNavigate();
  // One stream for the page: changing the filters mounts a new listing but keeps the connection.
  const events = useProjectEvents(projectId);
  const [searchParams, setSearchParams] = useSearchParams();
  // Applying the same filters again is a refresh: it counts up and mounts a new listing.
  const [applyCount, setApplyCount] = useState(0);
  const [isDeclaring, setIsDeclaring] = useState(false);

  const filterText = filterTextOf(searchParams);
  const applied = useMemo(() => filtersFromSearchParams(new URLSearchParams(filterText)), [filterText]);

  const onApply = (filters: IncidentFilterValues) => {
    const next = new URLSearchParams(searchParams);
    FILTER_PARAMS.forEach((name) => next.delete(name));
    filtersToSearchParams(filters).forEach((value, name) => next.set(name, value));
    if (filterTextOf(next) === filterText) {
      setApplyCount((n) => n + 1);
    } else {
      // The new address mounts the new listing; counting up as well would first mount one for the old filters.
      setSearchParams(next);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
        <LiveIndicator state={events.connection} testId={testIds.incidents.liveIndicator} />
        {current.permissions.write && (
          <Button icon="fire" onClick={() => setIsDeclaring(true)} data-testid={testIds.incidents.declareButton}>
            Declare incident
          </Button>
        )}
      </Stack>
      {/* Keyed on the address: going back to other filters shows them in the form too. */}
      <IncidentFiltersForm key={filterText} applied={applied} onApply={onApply} />
      <IncidentList key={`${filterText}#${applyCount}`} projectId={projectId} filters={applied} events={events} />
      {isDeclaring && (
        <DeclareIncidentModal
          projectId={projectId}
          onDismiss={() => setIsDeclaring(false)}
          onDeclared={(incident) => navigate(incidentUrl(incident.id))}
        />
      )}
    </Stack>
  );
}

function Incidents() {
  return (
    <AppPage
      testId={testIds.incidents.container}
      subTitle="The current project's incidents, newest first. Alerts from Alertmanager and Grafana open and update them as they arrive."
    >
      <RequireProject>{(current) => <IncidentsOfProject current={current} />}</RequireProject>
    </AppPage>
  );
}

export default Incidents;
