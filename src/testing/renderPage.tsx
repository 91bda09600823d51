import React, { useEffect } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { ProjectStoreProvider, useProjectStore, type ProjectStore } from '../project/projectStore';

/** The store as the page sees it, updated on every render, for tests to act on (e.g. switch projects). */
export const storeHandle: { current: ProjectStore | null } = { current: null };

function StoreHandle() {
  const store = useProjectStore();
  useEffect(() => {
    storeHandle.current = store;
  });
  return null;
}

/** Renders a page as the app does: inside the router and the project store. */
export function renderPage(page: React.ReactElement) {
  return render(
    <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <ProjectStoreProvider isConfigured>
        <StoreHandle />
        {page}
      </ProjectStoreProvider>
    </MemoryRouter>
  );
}
