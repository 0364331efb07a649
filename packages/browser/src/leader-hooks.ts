/**
 * Test hooks of the leader (obeyed only by a worker started with
 * `testHooks: true`): a commit answered late, or a crash after COMMIT before
 * answering, the faults the exactly-once rule has to survive.
 */
import type { LeaderHook } from './protocol'

export class LeaderHooks {
  private readonly hooks: LeaderHook[] = []

  constructor(private readonly log: (message: string) => void) {}

  add(hook: LeaderHook): void {
    this.hooks.push(hook)
  }

  /** Runs before a commit is answered: resolves true when the answer may be sent. */
  async beforeCommitAnswer(): Promise<boolean> {
    const hook = this.hooks[0]
    if (hook?.kind === 'crash-after-commit') {
      this.log('test hook: crashing after commit, before answering')
      self.close()
      return false
    }
    if (hook?.kind === 'delay-commit-answer') {
      if (--hook.count <= 0) this.hooks.shift()
      this.log(`test hook: answering commit after ${hook.ms} ms`)
      await new Promise((resolve) => setTimeout(resolve, hook.ms))
    }
    return true
  }
}
