/**
 * What expo-sqlite's web build imports from `expo` and `react-native`, for
 * bundling it without Metro: the web module base class it extends and
 * registers, and `Platform.OS`. No SQLite behaviour lives here.
 */
export class NativeModule {
  addListener(): { remove(): void } {
    return { remove() {} }
  }
  removeAllListeners(): void {}
  emit(): void {}
}

export function registerWebModule<T>(Module: new () => T): T {
  return new Module()
}

export function requireNativeModule(name: string): never {
  throw new Error(`No native module ${name} in a web page`)
}

export const Platform = { OS: 'web' as const }
