import type { ServerResponse } from "node:http";
import { defineConfig, type Plugin } from "vite";

/** Serves `/config.json` from environment variables in `vite` and `vite preview`. */
function runtimeConfig(): Plugin {
  const send = (res: ServerResponse) => {
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(
      JSON.stringify({
        endpoint: process.env.PASSCODE_ENDPOINT,
        region: process.env.PASSCODE_REGION,
        clientId: process.env.PASSCODE_CLIENT_ID,
      }),
    );
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
  base: "./",
  plugins: [runtimeConfig()],
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
  build: { target: "es2022" },
});
