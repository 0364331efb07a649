// The bindings the workerd test project's Worker has (vitest.config.ts, project 'workerd').
declare namespace Cloudflare {
  interface Env {
    OBJECTS: DurableObjectNamespace<import('./workerd/test-worker').TestObject>
    NOTES: DurableObjectNamespace<import('./workerd/notes-object').NotesObject>
  }
}
