/**
 * The keys of a `Record<K, …>`, in the order they are written. Only types come from the sidecar, so the plugin
 * mirrors the values of the contract's enums; deriving the list of all values from a record typed with the enum
 * makes a value the contract adds fail the build until the plugin names it too.
 */
export function keysOf<K extends string>(record: Record<K, unknown>): K[] {
  return Object.keys(record) as K[];
}
