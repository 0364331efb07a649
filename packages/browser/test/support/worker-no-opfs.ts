// A browser without OPFS sync access handles (older Safari, some private modes): the real worker, with the
// API removed before it looks.
import '../../src/worker'

delete (FileSystemFileHandle.prototype as { createSyncAccessHandle?: unknown }).createSyncAccessHandle
