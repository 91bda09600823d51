import { useEffect, useState } from 'react';

/** The current time in milliseconds, renewed every `intervalMs`: ages ("5m ago") stay right while a page is open. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
