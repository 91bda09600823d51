import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ClipboardButton, Stack, Text, useStyles2 } from '@grafana/ui';

/** A configuration snippet with a title and a copy button. */
export function Snippet({
  title,
  description,
  text,
  testId,
}: {
  title: string;
  description: string;
  text: string;
  testId: string;
}) {
  const s = useStyles2(getStyles);
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="row" justifyContent="space-between" alignItems="flex-end" gap={2}>
        <Stack direction="column" gap={0}>
          <Text element="h3" variant="h5">
            {title}
          </Text>
          <Text color="secondary" variant="bodySmall">
            {description}
          </Text>
        </Stack>
        <ClipboardButton icon="copy" variant="secondary" size="sm" getText={() => text}>
          Copy
        </ClipboardButton>
      </Stack>
      <pre className={s.snippet} data-testid={testId}>
        {text}
      </pre>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  snippet: css({
    margin: 0,
    padding: theme.spacing(1.5),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.canvas,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    overflowX: 'auto',
    whiteSpace: 'pre',
  }),
});
