import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import { Alert, Button, ClipboardButton, Field, Input, Stack, useStyles2 } from '@grafana/ui';
import { testIds } from '../../../components/testIds';
import { alertmanagerSnippet, grafanaContactPointSnippet, signedSignalsSnippet } from '../ingestSnippets';
import { Snippet } from './Snippet';
import type { CreatedToken } from './types';

interface CreatedTokenPanelProps {
  created: CreatedToken;
  sidecarUrl: string | undefined;
  projectSlug: string;
  onDismiss: () => void;
}

/**
 * The new token, once: to copy, and pasted into ready configuration for Alertmanager and Grafana. A token with an
 * HMAC secret is refused on the Alertmanager route (Alertmanager cannot sign), so it comes with a signed request to
 * the signals API instead of an Alertmanager receiver.
 */
export function CreatedTokenPanel({ created, sidecarUrl, projectSlug, onDismiss }: CreatedTokenPanelProps) {
  const s = useStyles2(getStyles);
  const { token, hmacSecret } = created;
  const isSigned = token.hmac !== null;
  const grafana = grafanaContactPointSnippet({
    sidecarUrl,
    token,
    projectSlug,
    orgId: config.bootData.user.orgId,
    hmacSecret,
  });

  return (
    <section className={s.created} data-testid={testIds.ingestTokens.created} aria-label="New ingest token">
      <Stack direction="column" gap={2}>
        <Alert severity="success" title={`Token "${token.name}" created: copy it now`}>
          This is the only time the token is shown. The sidecar keeps only a hash of it; if it is lost, create another
          one and revoke this one.
        </Alert>
        <Field label="Token">
          <Input
            readOnly
            value={token.token}
            className={s.monospace}
            data-testid={testIds.ingestTokens.createdToken}
            addonAfter={
              <ClipboardButton
                icon="copy"
                variant="primary"
                getText={() => token.token}
                data-testid={testIds.ingestTokens.copyToken}
              >
                Copy
              </ClipboardButton>
            }
          />
        </Field>
        {!sidecarUrl && (
          <Alert severity="warning" title="Sidecar URL not set">
            The app&apos;s configuration has no sidecar URL, so the snippets say {'<sidecar URL>'}: put in the address
            at which the sender reaches the sidecar.
          </Alert>
        )}
        {isSigned ? (
          <Alert
            severity="info"
            title="No Alertmanager snippet for a token with an HMAC secret"
            data-testid={testIds.ingestTokens.alertmanagerUnsigned}
          >
            Alertmanager cannot sign its webhooks, so the sidecar refuses this token on the Alertmanager route: give
            Alertmanager its own token without an HMAC secret.
          </Alert>
        ) : (
          <Snippet
            title="Alertmanager"
            description="A webhook receiver. The URL is the sidecar as Grafana reaches it; use the address at which Alertmanager reaches it if that differs."
            text={alertmanagerSnippet({ sidecarUrl, token, projectSlug })}
            testId={testIds.ingestTokens.alertmanagerSnippet}
          />
        )}
        <Snippet
          title="Grafana alerting"
          description="A webhook contact point, as file provisioning takes it; in the contact point form the same values go into URL, Authorization header credentials and HMAC signature."
          text={grafana}
          testId={testIds.ingestTokens.grafanaSnippet}
        />
        {isSigned && (
          <Snippet
            title="Signals API, signed"
            description="Any other sender signs the exact request body with the secret, as Grafana does; sign exactly the bytes you send."
            text={signedSignalsSnippet({ sidecarUrl, token, hmacSecret })}
            testId={testIds.ingestTokens.signedSignalsSnippet}
          />
        )}
        <div>
          <Button
            variant="secondary"
            icon="check"
            onClick={onDismiss}
            data-testid={testIds.ingestTokens.dismissCreated}
          >
            Done: I have copied the token
          </Button>
        </div>
      </Stack>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  monospace: css({
    input: {
      fontFamily: theme.typography.fontFamilyMonospace,
    },
  }),
  created: css({
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.success.border}`,
    borderRadius: theme.shape.radius.default,
  }),
});
