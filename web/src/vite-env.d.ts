/// <reference types="vite/client" />

// The build-time variables the app reads, all optional; parsed and validated only in src/config/env.ts.
interface ImportMetaEnv {
  readonly VITE_API_URL?: string;
  readonly VITE_TILE_URL?: string;
  readonly VITE_TILE_ATTRIBUTION?: string;
  readonly VITE_JAEGER_URL?: string;
  readonly VITE_GRAFANA_URL?: string;
  readonly VITE_KIBANA_URL?: string;
  readonly VITE_TRACE_URL_TEMPLATE?: string;
  readonly VITE_DASHBOARD_URL_TEMPLATE?: string;
  readonly VITE_LOGS_URL_TEMPLATE?: string;
  readonly VITE_PROMETHEUS_URL?: string;
  readonly VITE_JAEGER_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
