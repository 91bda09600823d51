import React, { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2, NavModelItem } from '@grafana/data';
import { config } from '@grafana/runtime';
import { Icon, Stack, Text, TextLink, useStyles2, type IconName } from '@grafana/ui';
import { useLocation } from 'react-router';
import { CHROME_HEADER_HEIGHT } from './services.ts';

export const STAND_IN_LABEL = 'Stand-in Grafana host for tests';

/** Lets the current page report its own nav (title, parents) for the breadcrumbs. */
interface ChromeState {
  setPageNav(nav: NavModelItem | undefined): void;
}

const ChromeContext = createContext<ChromeState>({ setPageNav: () => {} });

export function useChrome(): ChromeState {
  return useContext(ChromeContext);
}

export function navTree(): NavModelItem[] {
  return (config.bootData.navTree ?? []) as NavModelItem[];
}

function matchesPath(url: string | undefined, pathname: string): boolean {
  if (!url) {
    return false;
  }
  const path = url.split('?')[0] ?? '';
  return path === '/' ? pathname === '/' : pathname === path || pathname.startsWith(`${path}/`);
}

/** The nav items from the top of the tree down to the deepest one whose URL contains the current path. */
export function activeTrail(items: NavModelItem[], pathname: string): NavModelItem[] {
  for (const item of items) {
    const deeper = activeTrail(item.children ?? [], pathname);
    if (deeper.length > 0) {
      return [item, ...deeper];
    }
    if (matchesPath(item.url, pathname)) {
      return [item];
    }
  }
  return [];
}

/** The app's section in the nav tree (`plugin-page-<id>`), as Grafana hands it to PluginPage. */
export function appSection(pluginId: string): NavModelItem | undefined {
  const find = (items: NavModelItem[]): NavModelItem | undefined => {
    for (const item of items) {
      if (item.id === `plugin-page-${pluginId}`) {
        return item;
      }
      const found = find(item.children ?? []);
      if (found) {
        return found;
      }
    }
    return undefined;
  };
  return find(navTree());
}

function pageNavChain(nav: NavModelItem | undefined): NavModelItem[] {
  const chain: NavModelItem[] = [];
  for (let item = nav; item; item = item.parentItem) {
    if (!item.hideFromBreadcrumbs) {
      chain.unshift(item);
    }
  }
  return chain;
}

function Breadcrumbs({ pageNav }: { pageNav?: NavModelItem }) {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  const trail = activeTrail(navTree(), pathname).filter((item) => item.id !== 'home');
  const crumbs = [...trail];
  const pathOf = (url?: string) => url?.split('?')[0];
  for (const item of pageNavChain(pageNav)) {
    if (!crumbs.some((c) => c.text === item.text || (item.url && pathOf(c.url) === pathOf(item.url)))) {
      crumbs.push(item);
    }
  }
  return (
    <nav aria-label="Breadcrumbs" className={s.breadcrumbs}>
      <a href="/" className={s.separator} aria-label="Home">
        <Icon name="home-alt" />
      </a>
      {crumbs.map((crumb, i) => (
        <React.Fragment key={`${crumb.text}-${i}`}>
          <Icon name="angle-right" className={s.separator} />
          {i === crumbs.length - 1 || !crumb.url ? (
            <Text color="primary" variant="body" truncate>
              {crumb.text}
            </Text>
          ) : (
            <TextLink href={crumb.url} color="secondary" inline={false}>
              {crumb.text}
            </TextLink>
          )}
        </React.Fragment>
      ))}
    </nav>
  );
}

function TopBar({ pageNav }: { pageNav?: NavModelItem }) {
  const s = useStyles2(getStyles);
  const user = config.bootData.user;
  return (
    <header className={s.topBar}>
      <a href="/" className={s.logo} aria-label="Grafana home">
        <Icon name="grafana" size="xl" />
      </a>
      <Breadcrumbs pageNav={pageNav} />
      <div className={s.spacer} />
      <span className={s.standIn} data-testid="stand-in-host-label">
        {STAND_IN_LABEL}
      </span>
      <Stack direction="row" gap={2} alignItems="center">
        <span className={s.meta} data-testid="stand-in-host-org">
          <Icon name="building" /> {user.orgName}
        </span>
        <span className={s.meta} data-testid="stand-in-host-user">
          <Icon name="user" /> {user.login} ({user.orgRole})
        </span>
        <a className={s.meta} href="/logout" aria-label="Sign out">
          <Icon name="signout" />
        </a>
      </Stack>
    </header>
  );
}

function MenuItem({ item, level, pathname }: { item: NavModelItem; level: number; pathname: string }) {
  const s = useStyles2(getStyles);
  const trail = activeTrail([item], pathname);
  const isActive = trail.length === 1;
  return (
    <li>
      <a
        href={item.url}
        className={cx(s.menuItem, isActive && s.menuItemActive)}
        style={{ paddingLeft: `${12 + level * 20}px` }}
        aria-current={isActive ? 'page' : undefined}
      >
        {item.img ? (
          <img src={item.img} alt="" className={s.menuImg} />
        ) : item.icon ? (
          <Icon name={item.icon as IconName} />
        ) : (
          <span className={s.menuImg} />
        )}
        <span>{item.text}</span>
      </a>
      {item.children && item.children.length > 0 && (
        <ul className={s.menuList}>
          {item.children.map((child) => (
            <MenuItem key={child.id ?? child.url} item={child} level={level + 1} pathname={pathname} />
          ))}
        </ul>
      )}
    </li>
  );
}

function MegaMenu() {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  return (
    <nav className={s.megaMenu} aria-label="Navigation">
      <ul className={s.menuList}>
        {navTree().map((item) => (
          <MenuItem key={item.id ?? item.url} item={item} level={0} pathname={pathname} />
        ))}
      </ul>
    </nav>
  );
}

/** Grafana's frame: top bar with breadcrumbs, the docked navigation menu, and the page area of a fixed height. */
export function Chrome({ children }: { children: ReactNode }) {
  const s = useStyles2(getStyles);
  const [pageNav, setPageNav] = useState<NavModelItem | undefined>();
  // Only the stable setter goes into the context, so pages do not re-render when the nav they reported changes.
  const value = useMemo(() => ({ setPageNav }), []);
  return (
    <ChromeContext.Provider value={value}>
      <div className={s.root}>
        <TopBar pageNav={pageNav} />
        <div className={s.body}>
          <MegaMenu />
          <main className={s.main}>{children}</main>
        </div>
      </div>
    </ChromeContext.Provider>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    height: '100vh',
    overflow: 'hidden',
  }),
  topBar: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    height: CHROME_HEADER_HEIGHT,
    flexShrink: 0,
    padding: theme.spacing(0, 2, 0, 1.5),
    background: theme.colors.background.primary,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  logo: css({
    display: 'flex',
    alignItems: 'center',
  }),
  breadcrumbs: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    minWidth: 0,
    overflow: 'hidden',
    whiteSpace: 'nowrap',
  }),
  separator: css({
    color: theme.colors.text.secondary,
  }),
  spacer: css({
    flexGrow: 1,
  }),
  standIn: css({
    color: theme.colors.text.disabled,
    fontSize: theme.typography.bodySmall.fontSize,
    border: `1px dashed ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(0.25, 1),
    whiteSpace: 'nowrap',
  }),
  meta: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
  body: css({
    display: 'flex',
    flex: 1,
    minHeight: 0,
  }),
  megaMenu: css({
    width: 300,
    flexShrink: 0,
    overflowY: 'auto',
    padding: theme.spacing(1, 0),
    background: theme.colors.background.primary,
    borderRight: `1px solid ${theme.colors.border.weak}`,
  }),
  menuList: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
  }),
  menuItem: css({
    position: 'relative',
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    height: theme.spacing(4),
    margin: theme.spacing(0, 1),
    paddingRight: theme.spacing(1),
    borderRadius: theme.shape.radius.default,
    color: theme.colors.text.primary,
    '&:hover': {
      background: theme.colors.action.hover,
      textDecoration: 'underline',
    },
  }),
  menuItemActive: css({
    background: theme.colors.action.selected,
    '&::before': {
      content: '""',
      position: 'absolute',
      left: 0,
      top: 4,
      bottom: 4,
      width: 4,
      borderRadius: theme.shape.radius.default,
      backgroundImage: theme.colors.gradients.brandVertical,
    },
  }),
  menuImg: css({
    width: 16,
    height: 16,
  }),
  main: css({
    flex: 1,
    minWidth: 0,
    display: 'flex',
    flexDirection: 'column',
    overflow: 'auto',
    background: theme.colors.background.primary,
  }),
});
