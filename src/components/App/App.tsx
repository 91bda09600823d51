import React, { Suspense, lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { ROUTES } from '../../constants';
import { ProjectStoreProvider } from '../../project/projectStore';
import { PluginPropsContext } from '../../utils/utils.plugin';
import { prefixRoute } from '../../utils/utils.routing';
import type { AppJsonData } from '../../types';

const Incidents = lazy(() => import('../../pages/Incidents/Incidents'));
const Incident = lazy(() => import('../../pages/Incident/Incident'));
const Home = lazy(() => import('../../pages/Home/Home'));
const Audit = lazy(() => import('../../pages/Audit/Audit'));
const Project = lazy(() => import('../../pages/Project/Project'));
const Integrations = lazy(() => import('../../pages/Integrations/Integrations'));

function App(props: AppRootProps<AppJsonData>) {
  return (
    <PluginPropsContext.Provider value={props}>
      {/* Above the routes: the current project outlives page changes. */}
      <ProjectStoreProvider isConfigured={Boolean(props.meta.jsonData?.sidecarUrl)}>
        <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
          <Routes>
            <Route path={ROUTES.Incidents} element={<Incidents />} />
            <Route path={`${ROUTES.Incidents}/:incidentId`} element={<Incident />} />
            <Route path={ROUTES.Home} element={<Home />} />
            <Route path={ROUTES.Audit} element={<Audit />} />
            <Route path={ROUTES.Project} element={<Project />} />
            <Route path={ROUTES.Integrations} element={<Integrations />} />
            <Route path="*" element={<Navigate to={prefixRoute(ROUTES.Incidents)} replace />} />
          </Routes>
        </Suspense>
      </ProjectStoreProvider>
    </PluginPropsContext.Provider>
  );
}

export default App;
