// Builds the AssemblyScript guests in assembly/ to .wasm (run by `npm run build:as`,
// which `npm install` runs through `prepare`). Until guests exist this is a no-op.
console.log('build:as: no AssemblyScript guests yet');
