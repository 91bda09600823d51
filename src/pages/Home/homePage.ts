import { SceneAppPage } from '@grafana/scenes';
import { ROUTES } from '../../constants';
import { prefixRoute } from '../../utils/utils.routing';
import { homeScene } from './homeScene';

export const homePage = new SceneAppPage({
  title: 'SRE Copilot',
  subTitle: 'Incident copilot for Grafana.',
  url: prefixRoute(ROUTES.Home),
  routePath: ROUTES.Home,
  getScene: homeScene,
});
