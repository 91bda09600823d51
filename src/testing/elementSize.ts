/** Test helper: jsdom lays nothing out, so every element measures 0 × 0 unless a test says otherwise. */
const SIZE_PROPERTIES = ['clientWidth', 'clientHeight'] as const;

/**
 * Gives every element a size while the surrounding describe block runs, so that virtualised lists (e.g. the option
 * lists of Combobox and MultiCombobox) render their options.
 */
export function giveElementsASize(pixels = 400) {
  beforeAll(() => {
    for (const name of SIZE_PROPERTIES) {
      Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => pixels });
    }
  });
  afterAll(() => {
    for (const name of SIZE_PROPERTIES) {
      delete (HTMLElement.prototype as Partial<Record<(typeof SIZE_PROPERTIES)[number], number>>)[name];
    }
  });
}
