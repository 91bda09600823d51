import React, { createContext, useContext, useEffect, type ReactNode } from 'react';
import { css } from '@emotion/css';
import { PageLayoutType, type GrafanaTheme2, type NavModelItem } from '@grafana/data';
import type { PluginPageProps } from '@grafana/runtime';
import { Stack, Tab, TabsBar, Text, useStyles2, type IconName } from '@grafana/ui';
import { useChrome } from './chrome.tsx';

/** The app's section nav (from the nav tree), which Grafana's PluginPage falls back to for the title. */
export const PluginSectionContext = createContext<NavModelItem | undefined>(undefined);

interface HostPageProps {
  title: string;
  /** Replaces the whole h1, as in Grafana's PageHeader. */
  renderTitle?: (title: string) => ReactNode;
  subTitle?: ReactNode;
  img?: string;
  actions?: ReactNode;
  info?: PluginPageProps['info'];
  tabs?: NavModelItem[];
  background?: PluginPageProps['background'];
  children: ReactNode;
}

/** Grafana's Page: header (logo, h1, actions, subtitle, info, tabs) over the page contents. */
export function HostPage({
  title,
  renderTitle,
  subTitle,
  img,
  actions,
  info,
  tabs,
  background,
  children,
}: HostPageProps) {
  const s = useStyles2(getStyles);
  return (
    <div className={background === 'canvas' ? s.pageCanvas : s.page}>
      <div className={s.header}>
        <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
          <Stack direction="row" alignItems="center" gap={2}>
            {img && <img className={s.img} src={img} alt="" />}
            {renderTitle ? renderTitle(title) : <Text element="h1">{title}</Text>}
          </Stack>
          {actions && (
            <Stack direction="row" gap={1}>
              {actions}
            </Stack>
          )}
        </Stack>
        {subTitle && <div className={s.subTitle}>{subTitle}</div>}
        {info && info.length > 0 && (
          <Stack direction="row" gap={3}>
            {info.map((item) => (
              <Stack key={item.label} direction="column" gap={0.5}>
                <Text color="secondary" variant="bodySmall">
                  {item.label}
                </Text>
                {item.value}
              </Stack>
            ))}
          </Stack>
        )}
      </div>
      {tabs && tabs.length > 0 && (
        <TabsBar className={s.tabs}>
          {tabs
            .filter((tab) => !tab.hideFromTabs)
            .map((tab) => (
              <Tab
                key={`${tab.text}-${tab.url}`}
                label={tab.text}
                href={tab.url}
                active={tab.active}
                icon={tab.icon as IconName | undefined}
                counter={tab.tabCounter}
                suffix={tab.tabSuffix}
                onChangeTab={tab.onClick}
              />
            ))}
        </TabsBar>
      )}
      <div className={s.contents}>{children}</div>
    </div>
  );
}

/**
 * The host's PluginPage (installed with setPluginPage): title and subtitle from `pageNav` or the app's section,
 * `pageNav.children` as tabs, the nav reported to the top bar's breadcrumbs and the document title.
 */
export function HostPluginPage(props: PluginPageProps) {
  const { pageNav, subTitle, actions, info, renderTitle, layout, background, children } = props;
  const section = useContext(PluginSectionContext);
  const { setPageNav } = useChrome();
  const title = pageNav?.text ?? section?.text ?? '';

  useEffect(() => {
    setPageNav(pageNav);
    document.title = [pageNav?.text, section?.text, 'Grafana'].filter(Boolean).join(' - ');
    return () => setPageNav(undefined);
  }, [pageNav, section, setPageNav]);

  if (layout === PageLayoutType.Custom || layout === PageLayoutType.Canvas) {
    return <>{children}</>;
  }
  return (
    <HostPage
      title={title}
      renderTitle={renderTitle}
      subTitle={subTitle ?? pageNav?.subTitle}
      img={pageNav?.img}
      actions={actions}
      info={info}
      tabs={pageNav?.children}
      background={background}
    >
      {children}
    </HostPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    display: 'flex',
    flexDirection: 'column',
    flexGrow: 1,
    padding: theme.spacing(2),
    background: theme.colors.background.primary,
    [theme.breakpoints.up('md')]: {
      padding: theme.spacing(3, 4),
    },
  }),
  pageCanvas: css({
    display: 'flex',
    flexDirection: 'column',
    flexGrow: 1,
    padding: theme.spacing(2),
    background: theme.colors.background.canvas,
  }),
  header: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  }),
  img: css({
    width: 32,
    height: 32,
  }),
  subTitle: css({
    color: theme.colors.text.secondary,
  }),
  tabs: css({
    marginBottom: theme.spacing(3),
  }),
  contents: css({
    display: 'flex',
    flexDirection: 'column',
    flexGrow: 1,
  }),
});
