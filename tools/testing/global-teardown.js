export default async function globalTeardown() {
  for (const service of globalThis.__SERVICES__ ?? []) {
    try {
      service.stop();
    } catch (error) {
      console.error(`stopping a test service failed: ${error.message}`);
    }
  }
}
