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

// Combobox sizes its menu by measuring the option labels on a canvas; jsdom has no canvas, and the scaffold's
// stub of getContext returns nothing. A fixed width per character is enough for tests.
HTMLCanvasElement.prototype.getContext = () => ({
  font: '',
  measureText: (text) => ({ width: String(text).length * 7 }),
});
