import {
  EventBusSrv,
  LoadingState,
  standardTransformers,
  standardTransformersRegistry,
  toDataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourceRef,
  type PanelData,
  type TransformerRegistryItem,
} from '@grafana/data';
import {
  FakeEchoSrv,
  config,
  locationService,
  setAppEvents,
  setBackendSrv,
  setChromeHeaderHeightHook,
  setCurrentUser,
  setDataSourceSrv,
  setEchoSrv,
  setLocationSrv,
  setMegaMenuOpenHook,
  setPluginComponentHook,
  setPluginComponentsHook,
  setPluginFunctionsHook,
  setPluginImportUtils,
  setPluginLinksHook,
  setReturnToPreviousHook,
  setRunRequest,
  setTemplateSrv,
  toDataQueryError,
  type DataSourceSrv,
  type GetDataSourceListFilters,
  type RuntimeDataSourceRegistration,
} from '@grafana/runtime';
import { Observable, catchError, from, isObservable, map, of, startWith, switchMap } from 'rxjs';
import { HostBackendSrv } from './backend-srv.ts';

export const appEvents = new EventBusSrv();

/** Height of the host's top bar; Scenes uses it to place sticky controls. */
export const CHROME_HEADER_HEIGHT = 40;

/**
 * Data sources: those of the org from the boot data (`settings.datasources`, as Grafana's DatasourceSrv reads
 * them), found by uid or name, the default for no ref; and runtime data sources that a plugin registers (Scenes'
 * `sceneUtils.registerRuntimeDataSource`). Grafana's core data source plugins are not on npm: `get()` of a boot
 * data source fails, so pickers and lists work, querying one from the browser does not.
 */
class HostDataSourceSrv implements DataSourceSrv {
  private readonly runtime = new Map<string, DataSourceApi>();

  private settingsList(): DataSourceInstanceSettings[] {
    return [...Object.values(config.datasources), ...[...this.runtime.values()].map(settingsOf)];
  }

  async get(ref?: DataSourceRef | string | null): Promise<DataSourceApi> {
    const settings = this.getInstanceSettings(ref);
    const ds = settings && this.runtime.get(settings.uid);
    if (!ds) {
      const name = typeof ref === 'string' ? ref : (ref?.uid ?? '(default)');
      throw new Error(
        settings
          ? `Data source ${name} (${settings.type}) cannot be queried in the stand-in host: core data source plugins are not loaded`
          : `Data source ${name} was not found`
      );
    }
    return ds;
  }

  getList(filters: GetDataSourceListFilters = {}): DataSourceInstanceSettings[] {
    return this.settingsList()
      .filter((ds) => {
        if (
          filters.type &&
          (Array.isArray(filters.type) ? !filters.type.includes(ds.type) : filters.type !== ds.type)
        ) {
          return false;
        }
        if (filters.pluginId && ds.meta?.id !== filters.pluginId) {
          return false;
        }
        if (filters.metrics && !ds.meta?.metrics) {
          return false;
        }
        if (filters.logs && !ds.meta?.logs) {
          return false;
        }
        if (filters.tracing && !ds.meta?.tracing) {
          return false;
        }
        if (filters.alerting && !ds.meta?.alerting) {
          return false;
        }
        if (filters.annotations && !ds.meta?.annotations) {
          return false;
        }
        return !filters.filter || filters.filter(ds);
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  getInstanceSettings(ref?: DataSourceRef | string | null): DataSourceInstanceSettings | undefined {
    const list = this.settingsList();
    const key = typeof ref === 'string' ? ref : ref?.uid;
    if (!key || key === 'default') {
      return list.find((ds) => ds.isDefault);
    }
    return list.find((ds) => ds.uid === key) ?? list.find((ds) => ds.name === key);
  }

  reload(): void {}

  registerRuntimeDataSource(entry: RuntimeDataSourceRegistration): void {
    const ds = entry.dataSource as unknown as DataSourceApi;
    if (this.runtime.has(ds.uid)) {
      throw new Error(`A runtime data source with uid ${ds.uid} is already registered`);
    }
    this.runtime.set(ds.uid, ds);
  }
}

function settingsOf(ds: DataSourceApi): DataSourceInstanceSettings {
  return {
    id: ds.id,
    uid: ds.uid,
    name: ds.name,
    type: ds.type,
    meta: ds.meta,
    jsonData: {},
    access: 'proxy',
    readOnly: true,
  };
}

/** A simplified runRequest: one query call, frames converted, errors as PanelData errors. */
function runRequest(
  datasource: DataSourceApi,
  request: DataQueryRequest,
  queryFunction?: typeof datasource.query
): Observable<PanelData> {
  const query = queryFunction ?? datasource.query.bind(datasource);
  const initial: PanelData = { state: LoadingState.Loading, series: [], timeRange: request.range, request };
  return of(null).pipe(
    switchMap(() => {
      const result = query(request);
      return isObservable(result) ? result : from(result as Promise<DataQueryResponse>);
    }),
    map((response: DataQueryResponse): PanelData => ({
      state: response.state ?? LoadingState.Done,
      series: (response.data ?? []).map((frame) => toDataFrame(frame)),
      errors: response.errors,
      error: response.error,
      timeRange: request.range,
      request,
    })),
    catchError((error) =>
      of<PanelData>({
        state: LoadingState.Error,
        series: [],
        error: toDataQueryError(error),
        errors: [toDataQueryError(error)],
        timeRange: request.range,
        request,
      })
    ),
    startWith(initial)
  );
}

/** Grafana's transformer registry from @grafana/data's standard transformers (aliases appear once). */
function transformerItems(): TransformerRegistryItem[] {
  const seen = new Set<string>();
  const items: TransformerRegistryItem[] = [];
  for (const transformer of Object.values(standardTransformers)) {
    if (seen.has(transformer.id)) {
      continue;
    }
    seen.add(transformer.id);
    items.push({
      id: transformer.id,
      aliasIds: transformer.aliasIds,
      name: transformer.name,
      description: transformer.description,
      transformation: transformer,
      editor: () => null,
      imageDark: '',
      imageLight: '',
    });
  }
  return items;
}

/** What Grafana's app.ts sets before it renders anything. */
export function installServices(): void {
  setAppEvents(appEvents);
  setBackendSrv(new HostBackendSrv(appEvents));
  setDataSourceSrv(new HostDataSourceSrv());
  setLocationSrv(locationService);
  setTemplateSrv({
    getVariables: () => [],
    replace: (target?: string) => target ?? '',
    containsTemplate: (target?: string) => Boolean(target && /\$\w+|\[\[\w+|\$\{\w+/.test(target)),
    updateTimeRange: () => {},
  });
  setRunRequest(runRequest);
  setPluginImportUtils({
    importPanelPlugin: (id: string) =>
      Promise.reject(new Error(`Panel plugin "${id}" is not available in the stand-in Grafana host`)),
    getPanelPluginFromCache: () => undefined,
  });
  setEchoSrv(new FakeEchoSrv());
  setCurrentUser(config.bootData.user as never);
  setPluginLinksHook(() => ({ links: [], isLoading: false }));
  setPluginComponentsHook(() => ({ components: [], isLoading: false }));
  setPluginComponentHook(() => ({ component: null, isLoading: false }));
  setPluginFunctionsHook(() => ({ functions: [], isLoading: false }));
  setReturnToPreviousHook(() => () => {});
  setChromeHeaderHeightHook(() => CHROME_HEADER_HEIGHT);
  setMegaMenuOpenHook(() => [true, () => {}] as const);
  standardTransformersRegistry.setInit(transformerItems);
}
