import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Product } from './catalog'

export interface FakeSourceOptions {
  products: Product[]
  /** Rows per page. */
  pageSize: number
  /** Added before every answer, to feel like a real network. */
  latencyMs: number
}

export interface ProductPage {
  page: number
  pages: number
  total: number
  items: Product[]
}

/**
 * A local stand-in for a product API: `GET /products?page=N` on 127.0.0.1.
 * `stop()` closes the port, so clients get ECONNREFUSED (the "offline" case);
 * `start()` listens again on the same port.
 */
export class FakeSource {
  private server: Server | undefined
  private port = 0
  requests = 0

  constructor(readonly options: FakeSourceOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get online(): boolean {
    return this.server !== undefined
  }

  async start(): Promise<void> {
    if (this.server) return
    const server = createServer((req, res) => {
      this.requests++
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname !== '/products') {
        res.writeHead(404).end()
        return
      }
      const { products, pageSize, latencyMs } = this.options
      const pages = Math.max(1, Math.ceil(products.length / pageSize))
      const page = Math.min(Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1), pages)
      const body: ProductPage = {
        page,
        pages,
        total: products.length,
        items: products.slice((page - 1) * pageSize, page * pageSize),
      }
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }, latencyMs)
    })
    const listen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject)
          resolve()
        })
      })
    // Same port as before when possible (the app's URL stays valid); any free port otherwise.
    await listen(this.port).catch((error: NodeJS.ErrnoException) => {
      if (this.port === 0 || error.code !== 'EADDRINUSE') throw error
      return listen(0)
    })
    this.port = (server.address() as AddressInfo).port
    this.server = server
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}
