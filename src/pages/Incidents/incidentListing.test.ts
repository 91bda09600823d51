import { makeIncident } from '../../testing/fakeIncidents';
import { appendPage, mergeFirstPage, replaceIncident } from './incidentListing';

// Newest first, as the sidecar lists them.
const [i5, i4, i3, i2, i1] = [5, 4, 3, 2, 1].map((n) =>
  makeIncident({ id: `00000000-0000-4000-8000-00000000000${n}`, createdAt: `2025-03-01T12:00:0${n}.000Z` })
);
const ids = (listing: { items: Array<{ id: string }> }) => listing.items.map((i) => i.id.slice(-1));

describe('mergeFirstPage', () => {
  it('puts new incidents on top and keeps the older pages already loaded', () => {
    const listing = { items: [i4, i3, i2, i1], nextCursor: 'after-1' };
    const merged = mergeFirstPage(listing, { items: [i5, i4], nextCursor: 'after-4' });
    expect(ids(merged)).toEqual(['5', '4', '3', '2', '1']);
    expect(merged.nextCursor).toBe('after-1');
  });

  it('takes the fresh copies of incidents it shows again', () => {
    const acknowledged = { ...i4, status: 'acknowledged' as const };
    const merged = mergeFirstPage(
      { items: [i4, i3], nextCursor: null },
      { items: [acknowledged, i3], nextCursor: null }
    );
    expect(merged.items[0].status).toBe('acknowledged');
  });

  it('starts over when more incidents arrived than a page holds', () => {
    const merged = mergeFirstPage({ items: [i2, i1], nextCursor: null }, { items: [i5, i4], nextCursor: 'after-4' });
    expect(ids(merged)).toEqual(['5', '4']);
    expect(merged.nextCursor).toBe('after-4');
  });

  it('takes a complete fresh list as it is (an incident that no longer matches drops out)', () => {
    const merged = mergeFirstPage({ items: [i3, i2, i1], nextCursor: null }, { items: [i5, i3], nextCursor: null });
    expect(ids(merged)).toEqual(['5', '3']);
    expect(merged.nextCursor).toBeNull();
  });

  it('fills an empty listing', () => {
    expect(ids(mergeFirstPage({ items: [], nextCursor: null }, { items: [i5], nextCursor: null }))).toEqual(['5']);
  });
});

describe('appendPage', () => {
  it('appends without repeating incidents already shown', () => {
    const appended = appendPage({ items: [i5, i4], nextCursor: 'after-4' }, { items: [i4, i3], nextCursor: null });
    expect(ids(appended)).toEqual(['5', '4', '3']);
    expect(appended.nextCursor).toBeNull();
  });
});

describe('replaceIncident', () => {
  it('replaces the incident in place and ignores one it does not show', () => {
    const listing = { items: [i5, i4], nextCursor: null };
    expect(replaceIncident(listing, { ...i4, title: 'Renamed' }).items[1].title).toBe('Renamed');
    expect(replaceIncident(listing, i1)).toBe(listing);
  });
});
