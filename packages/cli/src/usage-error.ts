/** A mistake in how the command was called (unknown collection, existing target, ...): exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
