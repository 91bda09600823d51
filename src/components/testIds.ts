/**
 * Every `data-testid` of the app, in one place: the unit tests and the browser tests select elements with these.
 * Rows and per-row controls share one id per kind; tests pick a row (rows also carry `data-seq` / `data-user-id` /
 * `data-incident-id` / `data-signal-id` / `data-token-id`) and look inside it.
 */
export const testIds = {
  appConfig: {
    container: 'data-testid ac-container',
    sidecarUrl: 'data-testid ac-sidecar-url',
    sidecarSecret: 'data-testid ac-sidecar-secret',
    submit: 'data-testid ac-submit-form',
    error: 'data-testid ac-error',
    testConnection: 'data-testid ac-test-connection',
    testConnectionSuccess: 'data-testid ac-test-connection-success',
    testConnectionError: 'data-testid ac-test-connection-error',
  },
  projectSwitcher: {
    container: 'data-testid project-switcher',
    select: 'data-testid project-switcher-select',
    role: 'data-testid project-switcher-role',
    loading: 'data-testid project-switcher-loading',
    empty: 'data-testid project-switcher-empty',
    loadError: 'data-testid project-switcher-load-error',
    switchError: 'data-testid project-switcher-switch-error',
  },
  /** The body of a page while there is no current project to show. */
  projectState: {
    notConfigured: 'data-testid project-state-not-configured',
    loading: 'data-testid project-state-loading',
    empty: 'data-testid project-state-empty',
    error: 'data-testid project-state-error',
    retry: 'data-testid project-state-retry',
  },
  home: {
    container: 'data-testid home-container',
    currentProject: 'data-testid home-current-project',
  },
  audit: {
    container: 'data-testid audit-container',
    filters: 'data-testid audit-filters',
    filterAction: 'data-testid audit-filter-action',
    filterActor: 'data-testid audit-filter-actor',
    filterResourceType: 'data-testid audit-filter-resource-type',
    filterTimeRange: 'data-testid audit-filter-time-range',
    applyFilters: 'data-testid audit-apply-filters',
    clearFilters: 'data-testid audit-clear-filters',
    chainStatus: 'data-testid audit-chain-status',
    verifyButton: 'data-testid audit-verify',
    table: 'data-testid audit-table',
    row: 'data-testid audit-row',
    loadMore: 'data-testid audit-load-more',
    loadMoreError: 'data-testid audit-load-more-error',
    loading: 'data-testid audit-loading',
    empty: 'data-testid audit-empty',
    error: 'data-testid audit-error',
  },
  project: {
    container: 'data-testid project-container',
    details: 'data-testid project-details',
    detailName: 'data-testid project-detail-name',
    detailDescription: 'data-testid project-detail-description',
    detailTeamId: 'data-testid project-detail-team-id',
    detailActive: 'data-testid project-detail-active',
    role: 'data-testid project-role',
    loading: 'data-testid project-loading',
    error: 'data-testid project-error',
    editForm: 'data-testid project-edit-form',
    nameInput: 'data-testid project-name-input',
    descriptionInput: 'data-testid project-description-input',
    activeSwitch: 'data-testid project-active-switch',
    saveButton: 'data-testid project-save',
    saveSuccess: 'data-testid project-save-success',
    saveError: 'data-testid project-save-error',
  },
  members: {
    container: 'data-testid members-container',
    table: 'data-testid members-table',
    row: 'data-testid members-row',
    roleSelect: 'data-testid members-role-select',
    removeButton: 'data-testid members-remove',
    rowError: 'data-testid members-row-error',
    loading: 'data-testid members-loading',
    empty: 'data-testid members-empty',
    error: 'data-testid members-error',
    addForm: 'data-testid members-add-form',
    addUserId: 'data-testid members-add-user-id',
    addLogin: 'data-testid members-add-login',
    addRole: 'data-testid members-add-role',
    addSubmit: 'data-testid members-add-submit',
    addError: 'data-testid members-add-error',
  },
  /** The incident list (the app's default page). */
  incidents: {
    container: 'data-testid incidents-container',
    /** Carries `data-state`: connecting, live, reconnecting or unavailable. */
    liveIndicator: 'data-testid incidents-live-indicator',
    declareButton: 'data-testid incidents-declare',
    filters: 'data-testid incidents-filters',
    /** Wraps the status multi-select. */
    filterStatus: 'data-testid incidents-filter-status',
    /** Wraps the severity multi-select. */
    filterSeverity: 'data-testid incidents-filter-severity',
    filterService: 'data-testid incidents-filter-service',
    filterSearch: 'data-testid incidents-filter-search',
    filterTimeRange: 'data-testid incidents-filter-time-range',
    applyFilters: 'data-testid incidents-apply-filters',
    clearFilters: 'data-testid incidents-clear-filters',
    table: 'data-testid incidents-table',
    /** One per incident, with `data-incident-id`, `data-status` and `data-severity`. */
    row: 'data-testid incidents-row',
    /** The title in a row, a link to the incident's page. */
    rowLink: 'data-testid incidents-row-link',
    /** In a row; carries `data-status`. */
    statusBadge: 'data-testid incidents-status-badge',
    /** In a row; carries `data-severity`. */
    severityBadge: 'data-testid incidents-severity-badge',
    /** In a row: firing / total signals. */
    signalCount: 'data-testid incidents-signal-count',
    loadMore: 'data-testid incidents-load-more',
    loadMoreError: 'data-testid incidents-load-more-error',
    loading: 'data-testid incidents-loading',
    empty: 'data-testid incidents-empty',
    error: 'data-testid incidents-error',
    declareForm: 'data-testid incidents-declare-form',
    declareTitle: 'data-testid incidents-declare-title',
    /** Wraps the severity radio group. */
    declareSeverity: 'data-testid incidents-declare-severity',
    declareService: 'data-testid incidents-declare-service',
    declareDescription: 'data-testid incidents-declare-description',
    declareSubmit: 'data-testid incidents-declare-submit',
    declareCancel: 'data-testid incidents-declare-cancel',
    declareError: 'data-testid incidents-declare-error',
  },
  /** One incident's page. */
  incident: {
    container: 'data-testid incident-container',
    loading: 'data-testid incident-loading',
    error: 'data-testid incident-error',
    backLink: 'data-testid incident-back-link',
    /** Carries `data-state`, as on the list. */
    liveIndicator: 'data-testid incident-live-indicator',
    /** The page heading. */
    title: 'data-testid incident-title',
    /** Carries `data-status`. */
    status: 'data-testid incident-status',
    /** Carries `data-severity`. */
    severity: 'data-testid incident-severity',
    service: 'data-testid incident-service',
    description: 'data-testid incident-description',
    created: 'data-testid incident-created',
    acknowledged: 'data-testid incident-acknowledged',
    resolved: 'data-testid incident-resolved',
    warnings: 'data-testid incident-warnings',
    /** The status change controls; rendered only with write permission. */
    transitions: 'data-testid incident-transitions',
    /** One button per status the incident may move to; each also carries `data-to`. */
    transition: {
      triggered: 'data-testid incident-transition-triggered',
      acknowledged: 'data-testid incident-transition-acknowledged',
      investigating: 'data-testid incident-transition-investigating',
      mitigated: 'data-testid incident-transition-mitigated',
      resolved: 'data-testid incident-transition-resolved',
    },
    transitionNote: 'data-testid incident-transition-note',
    transitionError: 'data-testid incident-transition-error',
    editButton: 'data-testid incident-edit',
    editForm: 'data-testid incident-edit-form',
    editTitle: 'data-testid incident-edit-title',
    /** Wraps the severity radio group. */
    editSeverity: 'data-testid incident-edit-severity',
    editService: 'data-testid incident-edit-service',
    editSave: 'data-testid incident-edit-save',
    editCancel: 'data-testid incident-edit-cancel',
    editError: 'data-testid incident-edit-error',
    signalsTable: 'data-testid incident-signals-table',
    signalsEmpty: 'data-testid incident-signals-empty',
    /** One per signal, with `data-signal-id`. */
    signalRow: 'data-testid incident-signal-row',
    /** In a signal row: shows or hides the signal's labels and details. */
    signalToggle: 'data-testid incident-signal-toggle',
    /** The expanded details of a signal, with `data-signal-id`. */
    signalLabels: 'data-testid incident-signal-labels',
    /** One `key=value` label, with `data-label-key`. */
    signalLabel: 'data-testid incident-signal-label',
    signalGeneratorLink: 'data-testid incident-signal-generator-link',
    timeline: 'data-testid incident-timeline',
    /** One per timeline event, oldest first, with `data-kind` and `data-event-id`. */
    timelineEntry: 'data-testid incident-timeline-entry',
    commentForm: 'data-testid incident-comment-form',
    commentInput: 'data-testid incident-comment-input',
    commentSubmit: 'data-testid incident-comment-submit',
    commentError: 'data-testid incident-comment-error',
  },
  /** The ingest tokens section of the Project page (admins only). */
  ingestTokens: {
    container: 'data-testid ingest-tokens-container',
    loading: 'data-testid ingest-tokens-loading',
    error: 'data-testid ingest-tokens-error',
    empty: 'data-testid ingest-tokens-empty',
    table: 'data-testid ingest-tokens-table',
    /** One per token, with `data-token-id` and `data-revoked` (true/false). */
    row: 'data-testid ingest-tokens-row',
    /** The row's last delivery: `data-route` and `data-test` (true/false) when there was one. */
    lastDelivery: 'data-testid ingest-tokens-last-delivery',
    lastDeliveryTest: 'data-testid ingest-tokens-last-delivery-test',
    revokeButton: 'data-testid ingest-tokens-revoke',
    revokeError: 'data-testid ingest-tokens-revoke-error',
    createForm: 'data-testid ingest-tokens-create-form',
    nameInput: 'data-testid ingest-tokens-name',
    hmacSwitch: 'data-testid ingest-tokens-hmac-switch',
    hmacSecretInput: 'data-testid ingest-tokens-hmac-secret',
    hmacGenerate: 'data-testid ingest-tokens-hmac-generate',
    timestampHeaderInput: 'data-testid ingest-tokens-timestamp-header',
    createSubmit: 'data-testid ingest-tokens-create-submit',
    createError: 'data-testid ingest-tokens-create-error',
    /** The just-created token, shown once. */
    created: 'data-testid ingest-tokens-created',
    createdToken: 'data-testid ingest-tokens-created-token',
    copyToken: 'data-testid ingest-tokens-copy-token',
    alertmanagerSnippet: 'data-testid ingest-tokens-alertmanager-snippet',
    grafanaSnippet: 'data-testid ingest-tokens-grafana-snippet',
    /** In place of the Alertmanager snippet for a token with an HMAC secret: why there is none. */
    alertmanagerUnsigned: 'data-testid ingest-tokens-alertmanager-unsigned',
    signedSignalsSnippet: 'data-testid ingest-tokens-signed-signals-snippet',
    dismissCreated: 'data-testid ingest-tokens-dismiss-created',
  },
  /** The Integrations page: Prometheus integrations and the project's PromQL templates. */
  integrations: {
    container: 'data-testid integrations-container',
    tabPrometheus: 'data-testid integrations-tab-prometheus',
    tabTemplates: 'data-testid integrations-tab-templates',
    loading: 'data-testid integrations-loading',
    error: 'data-testid integrations-error',
    empty: 'data-testid integrations-empty',
    /** Shown to those without manageIntegrations: they read, an admin changes. */
    readOnlyNotice: 'data-testid integrations-read-only',
    addButton: 'data-testid integrations-add',
    table: 'data-testid integrations-table',
    /** One per integration, with `data-integration-id` and `data-mode`. */
    row: 'data-testid integrations-row',
    /** In a row: the data source name or the URL. */
    rowTarget: 'data-testid integrations-row-target',
    /** In a row: which secrets are set. */
    rowSecrets: 'data-testid integrations-row-secrets',
    /** In a row: the last test result of this session; carries `data-ok`. */
    rowTestResult: 'data-testid integrations-row-test-result',
    testButton: 'data-testid integrations-test',
    editButton: 'data-testid integrations-edit',
    deleteButton: 'data-testid integrations-delete',
    rowError: 'data-testid integrations-row-error',
    /** The add/edit drawer. */
    form: 'data-testid integrations-form',
    nameInput: 'data-testid integrations-name',
    /** Wraps the mode radio group. */
    modeRadio: 'data-testid integrations-mode',
    /** Wraps the data source picker. */
    datasourcePicker: 'data-testid integrations-datasource',
    urlInput: 'data-testid integrations-url',
    usernameInput: 'data-testid integrations-username',
    /** Wraps the password's SecretInput. */
    passwordInput: 'data-testid integrations-password',
    /** Wraps the bearer token's SecretInput. */
    bearerTokenInput: 'data-testid integrations-bearer-token',
    labelFilterInput: 'data-testid integrations-label-filter',
    saveButton: 'data-testid integrations-save',
    cancelButton: 'data-testid integrations-cancel',
    formError: 'data-testid integrations-form-error',
    templates: {
      container: 'data-testid templates-container',
      loading: 'data-testid templates-loading',
      error: 'data-testid templates-error',
      empty: 'data-testid templates-empty',
      /** Carries `data-source`: default or project. */
      sourceBadge: 'data-testid templates-source',
      table: 'data-testid templates-table',
      /** One per template, with `data-name`. */
      row: 'data-testid templates-row',
      editButton: 'data-testid templates-edit',
      resetButton: 'data-testid templates-reset',
      editor: 'data-testid templates-editor',
      saveButton: 'data-testid templates-save',
      cancelButton: 'data-testid templates-cancel',
      saveError: 'data-testid templates-save-error',
      resetError: 'data-testid templates-reset-error',
    },
  },
};
