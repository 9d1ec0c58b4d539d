import type { ServerResponse } from "node:http";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/**
 * Serves `/config.json` from environment variables while developing, so
 * `vite` and `vite preview` can point the page at any user pool:
 * `PASSCODE_ENDPOINT=http://127.0.0.1:9229 PASSCODE_CLIENT_ID=... pnpm dev`.
 * In production the host serves the file (`pnpm demo` does).
 */
function runtimeConfig(): Plugin {
  const send = (res: ServerResponse) => {
    const config = {
      endpoint: process.env.PASSCODE_ENDPOINT,
      region: process.env.PASSCODE_REGION,
      clientId: process.env.PASSCODE_CLIENT_ID,
    };
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(JSON.stringify(config));
  };
  return {
    name: "passcode-runtime-config",
    configureServer(server) {
      server.middlewares.use("/config.json", (_req, res) => send(res));
    },
    configurePreviewServer(server) {
      server.middlewares.use("/config.json", (_req, res) => send(res));
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the built page works under any path (the demo serves it at /).
  base: "./",
  plugins: [react(), runtimeConfig()],
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
  build: { target: "es2022" },
});
