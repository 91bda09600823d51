/** Non-secret settings of the app, stored in the plugin's jsonData. */
export type AppJsonData = {
  /** Base URL of the SRE Copilot sidecar, without a trailing slash, e.g. http://localhost:8787. */
  sidecarUrl?: string;
};

/** Secret settings of the app, stored encrypted in the plugin's secureJsonData; never sent back to the browser. */
export type AppSecureJsonData = {
  /** Shared secret that Grafana's plugin proxy sends to the sidecar. */
  sidecarSecret?: string;
};
