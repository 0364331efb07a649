// The IndexedDB fallback with a full quota on demand. Chromium ignores Storage.overrideQuotaForOrigin for
// IndexedDB in these test contexts (writes succeed with a 1-byte quota), so the failure is reproduced the way
// Chromium reports it: the readwrite transaction that writes pages aborts with a QuotaExceededError as its
// `error`. The tab switches it on and off over a BroadcastChannel; each worker confirms the switch.
import '../../src/worker'

delete (FileSystemFileHandle.prototype as { createSyncAccessHandle?: unknown }).createSyncAccessHandle

let full = false
const worker = Math.random().toString(36).slice(2)
const control = new BroadcastChannel('persistdb-test:idb-quota')
control.onmessage = (event: MessageEvent<{ full: boolean; ack?: string }>) => {
  if (event.data.ack) return
  full = event.data.full
  control.postMessage({ ack: worker, full })
}

const aborted = new WeakSet<IDBTransaction>()
const put = IDBObjectStore.prototype.put
IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
  const request = put.apply(this, args)
  const tx = this.transaction
  if (full && this.name === 'blocks' && !aborted.has(tx)) {
    aborted.add(tx)
    const error = new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    Object.defineProperty(tx, 'error', { value: error, configurable: true })
    tx.abort()
  }
  return request
}
