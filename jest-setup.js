// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// @grafana/scenes creates an IntersectionObserver when it is loaded; jsdom does not implement one.
class IntersectionObserverStub {
  root = null;
  rootMargin = '';
  thresholds = [];
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

Object.defineProperty(global, 'IntersectionObserver', {
  writable: true,
  value: IntersectionObserverStub,
});
