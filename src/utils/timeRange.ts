import { dateMath, dateTime, rangeUtil, type RawTimeRange, type TimeRange } from '@grafana/data';

/** TimeRangeInput's own representation of "no range": two invalid dates. */
export function emptyTimeRange(): TimeRange {
  const from = dateTime(null);
  const to = dateTime(null);
  return { from, to, raw: { from, to } };
}

export function isTimeRangeSet(range: TimeRange): boolean {
  return range.from.isValid() && range.to.isValid();
}

/**
 * The range as ISO timestamps. A relative range ("Last 24 hours") is resolved now, so that every page of one
 * listing covers the same span.
 */
export function resolveTimeRange(range: TimeRange): { from: string; to: string } {
  // One `now` for both ends: "Last 1 hour" must span exactly one hour.
  const now = dateTime();
  const from = dateMath.toDateTime(range.raw.from, { now }) ?? range.from;
  const to = dateMath.toDateTime(range.raw.to, { now, roundUp: true }) ?? range.to;
  return { from: from.toISOString(), to: to.toISOString() };
}

/** The range as text for an address: relative ends as written (`now-24h`), absolute ends as ISO timestamps. */
export function timeRangeToText(range: TimeRange): { from: string; to: string } {
  const text = (end: RawTimeRange['from']) => (typeof end === 'string' ? end : end.toISOString());
  return { from: text(range.raw.from), to: text(range.raw.to) };
}

/** The range that `timeRangeToText` wrote, or the empty range when the text is not one. */
export function timeRangeFromText(from: string | null, to: string | null): TimeRange {
  if (!from || !to) {
    return emptyTimeRange();
  }
  try {
    const range = rangeUtil.convertRawToRange({ from, to });
    if (!isTimeRangeSet(range)) {
      return emptyTimeRange();
    }
    // Absolute ends become dates, as the picker gives them; relative ends stay text, so they stay relative.
    const raw = {
      from: from.startsWith('now') ? from : range.from,
      to: to.startsWith('now') ? to : range.to,
    };
    return { from: range.from, to: range.to, raw };
  } catch {
    return emptyTimeRange();
  }
}
