export const testIds = {
  appConfig: {
    container: 'data-testid ac-container',
    sidecarUrl: 'data-testid ac-sidecar-url',
    sidecarSecret: 'data-testid ac-sidecar-secret',
    submit: 'data-testid ac-submit-form',
    error: 'data-testid ac-error',
  },
  home: {
    container: 'data-testid home-container',
    notConfigured: 'data-testid home-not-configured',
  },
};
