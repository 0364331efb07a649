/**
 * `collections`: the collection ids renderers may use. Names are checked on
 * `open` and `drop`; every other operation addresses a collection by number,
 * so only numbers that an allowed `open` returned are let through (a number
 * main or another part of the app opened stays out of reach).
 */
export class CollectionAllowList {
  private readonly names: ReadonlySet<string>
  private readonly numbers = new Set<number>()

  constructor(names: readonly string[]) {
    this.names = new Set(names)
  }

  /** Why `message` must be refused, or undefined when it names only allowed collections. */
  refusal(message: unknown): string | undefined {
    const { op, name, collection } = (message ?? {}) as { op?: unknown; name?: unknown; collection?: unknown }
    if (op === 'open' || op === 'drop')
      return typeof name === 'string' && this.names.has(name)
        ? undefined
        : `collection ${JSON.stringify(String(name)).slice(0, 80)} is not in the \`collections\` renderers may use`
    if (collection === undefined) return undefined
    return typeof collection === 'number' && this.numbers.has(collection)
      ? undefined
      : `collection number ${String(collection).slice(0, 20)} was not opened under an allowed collection id`
  }

  /** Records the number an allowed `open` answered with. */
  opened(message: unknown, answer: unknown): void {
    if (typeof message !== 'object' || message === null || (message as { op?: unknown }).op !== 'open') return
    const value = (answer as { ok?: unknown; value?: { num?: unknown } }).value
    if ((answer as { ok?: unknown }).ok === true && typeof value?.num === 'number')
      this.numbers.add(value.num)
  }
}
