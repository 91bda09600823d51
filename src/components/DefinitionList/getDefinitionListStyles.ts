import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';

/**
 * The look of the app's read-only facts (`dl`): terms in a muted first column, their values beside them. Spread into
 * a page's styles, it gives `definitionList`.
 */
export const getDefinitionListStyles = (theme: GrafanaTheme2) => ({
  definitionList: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(3),
    rowGap: theme.spacing(1),
    margin: 0,
    dt: {
      color: theme.colors.text.secondary,
    },
    dd: {
      margin: 0,
    },
  }),
});
