/**
 * Preload (sandboxed, context isolation on): gives the page the PersistDB
 * bridge, two fixed-meaning functions on one IPC channel, and never
 * `ipcRenderer` itself.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { exposePersistDBBridge } from '@persistdb/electron'

exposePersistDBBridge(contextBridge, ipcRenderer)
