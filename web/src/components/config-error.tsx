// Shown instead of the app when its configuration is invalid, naming every bad setting.
import { ConfigError } from '../config/env';

export function ConfigErrorScreen({ error }: { error: unknown }) {
  const issues = error instanceof ConfigError ? error.issues : [String(error instanceof Error ? error.message : error)];
  const source = error instanceof ConfigError ? error.source : 'startup';
  return (
    <main className="config-error" role="alert">
      <h1>fleetlab map: invalid configuration</h1>
      <p>Fix these settings ({source}) and reload:</p>
      <ul>
        {issues.map((issue) => (
          <li key={issue}>
            <code>{issue}</code>
          </li>
        ))}
      </ul>
    </main>
  );
}
