/** Lists an origin's OPFS (the file-size figure): every file, recursively, with its size. */
import type { OpfsFile } from './api'

interface DirectoryLike {
  entries(): AsyncIterable<[string, FileSystemHandle]>
}

async function walk(dir: DirectoryLike, prefix: string, out: OpfsFile[]): Promise<void> {
  for await (const [name, handle] of dir.entries()) {
    if (handle.kind === 'directory') await walk(handle as unknown as DirectoryLike, `${prefix}${name}/`, out)
    else
      out.push({ path: `${prefix}${name}`, bytes: (await (handle as FileSystemFileHandle).getFile()).size })
  }
}

export async function opfsFiles(): Promise<OpfsFile[]> {
  const out: OpfsFile[] = []
  await walk((await navigator.storage.getDirectory()) as unknown as DirectoryLike, '', out)
  return out.sort((a, b) => a.path.localeCompare(b.path))
}
