// The example VFS classes of @journeyapps/wa-sqlite ship no type declarations (or outdated ones):
// only what PersistDB calls is declared here.
declare module '@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js' {
  export class OPFSCoopSyncVFS {
    static create(name: string, module: unknown): Promise<OPFSCoopSyncVFS>
    readonly name: string
    close(): Promise<void>
  }
}
