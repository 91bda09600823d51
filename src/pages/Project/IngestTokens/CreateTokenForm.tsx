import React, { FormEvent, useState } from 'react';
import { Button, Field, FieldSet, Switch } from '@grafana/ui';
import { createIngestToken, type CreateIngestTokenBody } from '../../../api';
import { FormActions, TextInputField } from '../../../components/FormFields/FormFields';
import { testIds } from '../../../components/testIds';
import { useSubmit } from '../../../utils/useSubmit';
import type { CreatedToken } from './types';

const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
const HMAC_SECRET_MIN_LENGTH = 16;

/** A random secret for HMAC signatures: 32 bytes as hex. */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Creates a token, optionally with an HMAC secret for Grafana contact points. */
export function CreateTokenForm({
  projectId,
  onCreated,
}: {
  projectId: string;
  onCreated: (created: CreatedToken) => void;
}) {
  const [name, setName] = useState('');
  const [useHmac, setUseHmac] = useState(false);
  const [hmacSecret, setHmacSecret] = useState('');
  const [timestampHeader, setTimestampHeader] = useState('');
  const { submit, submitting, error } = useSubmit((body: CreateIngestTokenBody) => createIngestToken(projectId, body), {
    onSuccess: (token, body) => {
      onCreated({ token, hmacSecret: body.hmacSecret });
      setName('');
      setUseHmac(false);
      setHmacSecret('');
      setTimestampHeader('');
    },
  });

  const isNameMissing = name.trim() === '';
  const isSecretTooShort = useHmac && hmacSecret.length < HMAC_SECRET_MIN_LENGTH;
  const isTimestampHeaderInvalid =
    useHmac && timestampHeader.trim() !== '' && !HEADER_NAME.test(timestampHeader.trim());
  const isInvalid = isNameMissing || isSecretTooShort || isTimestampHeaderInvalid;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (isInvalid) {
      return;
    }
    const body: CreateIngestTokenBody = { name: name.trim() };
    if (useHmac) {
      body.hmacSecret = hmacSecret;
      if (timestampHeader.trim()) {
        body.timestampHeader = timestampHeader.trim();
      }
    }
    submit(body);
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.ingestTokens.createForm}>
      <FieldSet label="Create a token">
        <TextInputField
          label="Name"
          description="Which sender uses it, e.g. prod-alertmanager"
          id="ingest-token-name"
          width={40}
          maxLength={200}
          value={name}
          onChange={setName}
          data-testid={testIds.ingestTokens.nameInput}
        />
        <Field
          label="Sign with HMAC"
          description="For Grafana contact points: the sidecar then also checks Grafana's HMAC signature of every request"
        >
          <Switch
            id="ingest-token-hmac"
            value={useHmac}
            onChange={(e) => setUseHmac(e.currentTarget.checked)}
            data-testid={testIds.ingestTokens.hmacSwitch}
          />
        </Field>
        {useHmac && (
          <>
            <TextInputField
              label="HMAC secret"
              description={`At least ${HMAC_SECRET_MIN_LENGTH} characters; the same secret goes into the contact point`}
              invalid={hmacSecret !== '' && isSecretTooShort}
              error={
                hmacSecret !== '' && isSecretTooShort ? `At least ${HMAC_SECRET_MIN_LENGTH} characters` : undefined
              }
              id="ingest-token-hmac-secret"
              width={60}
              maxLength={1024}
              autoComplete="off"
              value={hmacSecret}
              onChange={setHmacSecret}
              data-testid={testIds.ingestTokens.hmacSecretInput}
              addonAfter={
                <Button
                  type="button"
                  variant="secondary"
                  icon="sync"
                  onClick={() => setHmacSecret(randomSecret())}
                  data-testid={testIds.ingestTokens.hmacGenerate}
                >
                  Generate
                </Button>
              }
            />
            <TextInputField
              label="Timestamp header"
              description="Optional: when the contact point's HMAC settings name a timestamp header, the same name here; the timestamp is then signed too"
              invalid={isTimestampHeaderInvalid}
              error={isTimestampHeaderInvalid ? 'Letters, digits and dashes only' : undefined}
              id="ingest-token-timestamp-header"
              width={40}
              maxLength={100}
              placeholder="X-Grafana-Alerting-Timestamp"
              value={timestampHeader}
              onChange={setTimestampHeader}
              data-testid={testIds.ingestTokens.timestampHeaderInput}
            />
          </>
        )}
        <FormActions
          error={error}
          errorTitle="Could not create the token"
          errorTestId={testIds.ingestTokens.createError}
        >
          <Button
            type="submit"
            icon="plus"
            disabled={isInvalid || submitting}
            data-testid={testIds.ingestTokens.createSubmit}
          >
            {submitting ? 'Creating…' : 'Create token'}
          </Button>
        </FormActions>
      </FieldSet>
    </form>
  );
}
