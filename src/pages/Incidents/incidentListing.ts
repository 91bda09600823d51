import type { Incident, IncidentPage } from '../../api';

/** What a listing shows: the incidents loaded so far, newest first, and the cursor of the next page. */
export interface Listing {
  items: Incident[];
  nextCursor: string | null;
}

/** The sidecar's order: created_at, then id, both descending. */
function isOlder(a: Incident, b: Incident): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
}

/**
 * Takes in a fresh first page (after a live event): it replaces what the listing showed for its span, and the older
 * pages already loaded stay. When more incidents arrived than a page holds, the fresh page does not reach the ones
 * shown, and keeping them would hide the ones in between: the listing then starts over from the fresh page.
 */
export function mergeFirstPage(listing: Listing, fresh: IncidentPage): Listing {
  const startOver: Listing = { items: fresh.items, nextCursor: fresh.nextCursor };
  const oldestFresh = fresh.items[fresh.items.length - 1];
  // A fresh page without a next cursor holds every incident that matches: nothing older needs keeping.
  if (!oldestFresh || fresh.nextCursor === null || listing.items.length === 0) {
    return startOver;
  }
  if (isOlder(listing.items[0], oldestFresh)) {
    return startOver;
  }
  const older = listing.items.filter((incident) => isOlder(incident, oldestFresh));
  return older.length === 0 ? startOver : { items: [...fresh.items, ...older], nextCursor: listing.nextCursor };
}

/** Appends the next page, skipping incidents already shown (a live refresh may have brought them in). */
export function appendPage(listing: Listing, page: IncidentPage): Listing {
  const shown = new Set(listing.items.map((incident) => incident.id));
  return {
    items: [...listing.items, ...page.items.filter((incident) => !shown.has(incident.id))],
    nextCursor: page.nextCursor,
  };
}

/** Puts the incident's new state in its place; a listing without it stays as it is. */
export function replaceIncident(listing: Listing, incident: Incident): Listing {
  if (!listing.items.some((item) => item.id === incident.id)) {
    return listing;
  }
  return { ...listing, items: listing.items.map((item) => (item.id === incident.id ? incident : item)) };
}
