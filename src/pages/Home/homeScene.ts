import { EmbeddedScene, SceneFlexItem, SceneFlexLayout } from '@grafana/scenes';
import { HomeOverview } from './HomeOverview';

export function homeScene() {
  return new EmbeddedScene({
    body: new SceneFlexLayout({
      direction: 'column',
      children: [new SceneFlexItem({ body: new HomeOverview({}) })],
    }),
  });
}
