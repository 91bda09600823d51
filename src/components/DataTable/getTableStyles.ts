import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';

interface TableStyleOptions {
  /** Highlight the body row under the pointer. */
  highlightRowOnHover?: boolean;
}

/**
 * The look the app's plain HTML tables share; spread into a page's styles, it gives `table` and the cell styles
 * every table uses: `nowrap` for times and badges, `code` for identifiers, `rowError` for a row action that failed.
 */
export const getTableStyles = (theme: GrafanaTheme2, { highlightRowOnHover = false }: TableStyleOptions = {}) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': {
      padding: theme.spacing(1),
      textAlign: 'left',
      verticalAlign: 'top',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
    th: {
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
    },
    ...(highlightRowOnHover && {
      'tbody tr:hover': {
        background: theme.colors.action.hover,
      },
    }),
  }),
  nowrap: css({
    whiteSpace: 'nowrap',
  }),
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  rowError: css({
    marginTop: theme.spacing(0.5),
  }),
});
