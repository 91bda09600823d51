import React, { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { config } from '@grafana/runtime';
import { ApiError, listProjects, switchProject, toApiError, type Project, type ProjectContext } from '../api';
import { PLUGIN_ID } from '../constants';

export type ProjectStoreStatus =
  /** The sidecar URL is not set yet, so there is nothing to ask. */
  | 'notConfigured'
  | 'loading'
  | 'ready'
  /** The caller is in no project. */
  | 'empty'
  | 'error';

export interface ProjectStore {
  status: ProjectStoreStatus;
  /** The caller's projects, each with the caller's role. */
  projects: Project[];
  /** The current project, the caller's role and permissions there; set when `status` is `ready`. */
  current: ProjectContext | null;
  /** Why the projects could not be loaded (`status` is `error`). */
  loadError: ApiError | null;
  /** The project being switched to, while the switch is in flight. */
  switchingTo: string | null;
  /** Why the last switch failed; the previous project stays current. */
  switchError: ApiError | null;
  switchTo: (projectId: string) => Promise<void>;
  /** Loads the projects again, e.g. after an error. */
  reload: () => void;
  /** Takes in a project changed on this page (e.g. renamed), so that every view of it agrees. */
  projectChanged: (project: Project) => void;
}

/** Where the last project of each org is remembered: projects belong to an org, and a user can be in several. */
export function rememberedProjectKey(orgId: number): string {
  return `${PLUGIN_ID}.currentProject.${orgId}`;
}

function readRememberedProject(orgId: number): string | null {
  try {
    return window.localStorage.getItem(rememberedProjectKey(orgId));
  } catch {
    // Storage can be unavailable (privacy settings); the first project is a fine default then.
    return null;
  }
}

function rememberProject(orgId: number, projectId: string) {
  try {
    window.localStorage.setItem(rememberedProjectKey(orgId), projectId);
  } catch {
    // Not remembering only costs a choice on the next load.
  }
}

const isGone = (error: ApiError) => error.code === 'not_found' || error.code === 'forbidden';

/**
 * Picks the project to start with: the remembered one if the caller still has it, else the first. If the
 * sidecar refuses the remembered one anyway (access just revoked), the first one is tried instead.
 */
async function loadInitialProject(orgId: number): Promise<{ projects: Project[]; current: ProjectContext | null }> {
  const { items: projects } = await listProjects();
  if (projects.length === 0) {
    return { projects, current: null };
  }
  const remembered = readRememberedProject(orgId);
  const preferred = projects.find((p) => p.id === remembered) ?? projects[0];
  try {
    return { projects, current: await switchProject(preferred.id) };
  } catch (error) {
    const apiError = toApiError(error);
    if (preferred.id === projects[0].id || !isGone(apiError)) {
      throw apiError;
    }
    return { projects, current: await switchProject(projects[0].id) };
  }
}

const ProjectStoreContext = createContext<ProjectStore | null>(null);

interface ProjectStoreProviderProps {
  /** False while the sidecar is not configured: the store then asks nothing. */
  isConfigured: boolean;
  children: React.ReactNode;
}

/** Holds the current project of the signed-in user's org for every page of the app. */
export function ProjectStoreProvider({ isConfigured, children }: ProjectStoreProviderProps) {
  const orgId = config.bootData.user.orgId;
  const [projects, setProjects] = useState<Project[]>([]);
  const [current, setCurrent] = useState<ProjectContext | null>(null);
  // Which load has finished, and how; the status is derived from it rather than stored.
  const [loadCount, setLoadCount] = useState(0);
  const [finishedLoad, setFinishedLoad] = useState<{ loadCount: number; error: ApiError | null } | null>(null);
  const [switchingTo, setSwitchingTo] = useState<string | null>(null);
  const [switchError, setSwitchError] = useState<ApiError | null>(null);
  // Only the answer to the latest load or switch may land; earlier ones are stale.
  const latestRequest = useRef(0);

  useEffect(() => {
    if (!isConfigured) {
      return;
    }
    const requestNumber = ++latestRequest.current;
    loadInitialProject(orgId).then(
      (loaded) => {
        if (requestNumber !== latestRequest.current) {
          return;
        }
        setProjects(loaded.projects);
        setCurrent(loaded.current);
        if (loaded.current) {
          rememberProject(orgId, loaded.current.project.id);
        }
        setFinishedLoad({ loadCount, error: null });
      },
      (error) => {
        if (requestNumber === latestRequest.current) {
          setFinishedLoad({ loadCount, error: toApiError(error) });
        }
      }
    );
  }, [isConfigured, orgId, loadCount]);

  const switchTo = useCallback(
    async (projectId: string) => {
      const requestNumber = ++latestRequest.current;
      setSwitchingTo(projectId);
      setSwitchError(null);
      try {
        const next = await switchProject(projectId);
        if (requestNumber !== latestRequest.current) {
          return;
        }
        setCurrent(next);
        // The switch answers with the project as it is now: keep the list in step with it.
        setProjects((list) => list.map((p) => (p.id === next.project.id ? next.project : p)));
        rememberProject(orgId, next.project.id);
      } catch (error) {
        if (requestNumber === latestRequest.current) {
          setSwitchError(toApiError(error));
        }
      } finally {
        if (requestNumber === latestRequest.current) {
          setSwitchingTo(null);
        }
      }
    },
    [orgId]
  );

  const reload = useCallback(() => {
    setSwitchError(null);
    setSwitchingTo(null);
    setLoadCount((n) => n + 1);
  }, []);

  const projectChanged = useCallback((project: Project) => {
    setProjects((list) => list.map((p) => (p.id === project.id ? project : p)));
    setCurrent((ctx) => (ctx && ctx.project.id === project.id ? { ...ctx, project } : ctx));
  }, []);

  let status: ProjectStoreStatus;
  if (!isConfigured) {
    status = 'notConfigured';
  } else if (!finishedLoad || finishedLoad.loadCount !== loadCount) {
    status = 'loading';
  } else if (finishedLoad.error) {
    status = 'error';
  } else {
    status = current ? 'ready' : 'empty';
  }
  const loadError = status === 'error' ? (finishedLoad?.error ?? null) : null;

  const store = useMemo<ProjectStore>(
    () => ({ status, projects, current, loadError, switchingTo, switchError, switchTo, reload, projectChanged }),
    [status, projects, current, loadError, switchingTo, switchError, switchTo, reload, projectChanged]
  );

  return <ProjectStoreContext.Provider value={store}>{children}</ProjectStoreContext.Provider>;
}

/** The project store of the surrounding ProjectStoreProvider. */
export function useProjectStore(): ProjectStore {
  const store = useContext(ProjectStoreContext);
  if (!store) {
    throw new Error('useProjectStore must be used inside a ProjectStoreProvider');
  }
  return store;
}
