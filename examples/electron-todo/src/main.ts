/**
 * Electron main process: owns the one SQLite file (better-sqlite3, rebuilt for
 * Electron) and serves it to every window. Windows are sandboxed pages with
 * context isolation; they reach the database only through the preload's
 * PersistDB bridge, and main accepts only PersistDB operations from the app's
 * own page.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, ipcMain } from 'electron'
import { createNodeSQLitePersistence } from '@persistdb/node'
import { exposeElectronSQLitePersistence } from '@persistdb/electron'

// dist/main.cjs sits next to dist/preload.cjs and dist/renderer.js; index.html is one level up.
const page = join(__dirname, '..', 'index.html')

function openWindow(): void {
  const window = new BrowserWindow({
    width: 480,
    height: 640,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  })
  void window.loadFile(page)
}

void app.whenReady().then(() => {
  const persistence = createNodeSQLitePersistence({
    path: join(app.getPath('userData'), 'todos.sqlite'),
  })
  const stopServing = exposeElectronSQLitePersistence({
    persistence,
    ipcMain,
    // Only this app's own page, in a window's main frame, may use the database.
    allowSender: { urls: [pathToFileURL(page).href] },
    // Renderers may open these collections and no other.
    collections: ['todos'],
  })

  // Two windows on one file: a change in one shows up in the other.
  openWindow()
  openWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow()
  })

  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting) return
    // Finish what windows already sent, then close the file, then quit.
    event.preventDefault()
    quitting = true
    void stopServing()
      .then(() => persistence.close())
      .finally(() => app.quit())
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
