import type { CreatedIngestToken } from '../../../api';

export interface IngestTokensProps {
  projectId: string;
  projectSlug: string;
  /** The sidecar's base URL from the app's settings; senders post there directly. */
  sidecarUrl: string | undefined;
}

/** A created token and the HMAC secret typed for it: both exist only here, until the admin dismisses them. */
export interface CreatedToken {
  token: CreatedIngestToken;
  hmacSecret: string | undefined;
}
