/**
 * How the leader answers: its own tab by postMessage (no BroadcastChannel
 * hop), every other tab on that tab's own reply channel (big result sets reach
 * only the asker).
 */
import { clientChannel, type Response } from './protocol'

export class LeaderReplies {
  private readonly channels = new Map<string, BroadcastChannel>()
  private closed = false

  constructor(
    private readonly databaseName: string,
    private readonly ownClient: string,
    private readonly replyToOwnTab: (response: Response) => void,
  ) {}

  send(client: string, response: Response): void {
    if (this.closed) return
    if (client === this.ownClient) return this.replyToOwnTab(response)
    let channel = this.channels.get(client)
    if (!channel) {
      channel = new BroadcastChannel(clientChannel(this.databaseName, client))
      this.channels.set(client, channel)
    }
    channel.postMessage(response)
  }

  close(): void {
    this.closed = true
    for (const channel of this.channels.values()) channel.close()
    this.channels.clear()
  }
}
