import { useState } from 'preact/hooks';
import { appsApi, type AppView, type AuditRecordView } from '../apps-api.ts';
import { useHmi } from '../context.ts';
import { useAppList } from './apps.tsx';

/** Audit records shown per app (newest first); six while driving. */
const AUDIT_SHOWN = 12;

function AppPermissions({ app, reload }: { app: AppView; reload: () => void }) {
  const { driving } = useHmi();
  const [audit, setAudit] = useState<AuditRecordView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const set = async (permission: string, granted: boolean): Promise<void> => {
    try {
      await appsApi.setPermission(app.id, permission, granted);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
    reload();
  };
  const showAudit = async (): Promise<void> => setAudit(audit ? null : ((await appsApi.audit(app.id, 50)) ?? []).reverse());
  return (
    <section class="tile wide" data-testid={`perms-${app.id}`}>
      <h3>{`${app.name} ${app.version} · ${app.publisher} · ${app.source}${app.trusted ? ', trusted' : ''} · ${app.state}`}</h3>
      {error ? <p class="decision refused" role="alert">{error}</p> : null}
      {app.permissions.map((p) => (
        <div class="perm-row" key={p.id} data-permission={p.id} data-state={p.state}>
          <span class={`tier tier-${p.tier}`}>{p.tier}</span>
          <span class="perm-label">{p.label}</span>
          <button
            class="button small"
            aria-pressed={p.state === 'granted'}
            disabled={p.state === 'blocked'}
            onClick={() => void set(p.id, p.state !== 'granted')}
            data-testid={`perm-${p.id}`}
            title={p.state === 'blocked' ? 'only trusted apps may hold this permission' : ''}
          >
            {p.state === 'granted' ? 'Allowed' : p.state === 'blocked' ? 'Blocked' : p.state === 'ask' ? 'Ask' : 'Denied'}
          </button>
        </div>
      ))}
      <button class="button" onClick={() => void showAudit()} aria-expanded={audit !== null} data-testid={`audit-${app.id}`}>
        {audit ? 'Hide audit record' : 'Audit record'}
      </button>
      {audit ? (
        <ul class="list audit" data-testid="audit-list">
          {audit.slice(0, driving ? 6 : AUDIT_SHOWN).map((r) => (
            <li key={r.seq} class="list-item">
              <time class="muted">{new Date(r.timeMs).toLocaleTimeString()}</time>
              <div><strong>{r.kind}</strong> <span class="muted">{JSON.stringify(r.detail).slice(0, 120)}</span></div>
            </li>
          ))}
          {audit.length === 0 ? <li class="muted">No records yet.</li> : null}
        </ul>
      ) : null}
    </section>
  );
}

/** Settings › Apps: each app's permissions by tier with allow/deny, and its audit record. */
export function AppPermissionsPanel() {
  const { list, reload } = useAppList();
  if (list === null) {
    return (
      <section class="tile wide" data-testid="apps-settings-off">
        <h3>Apps and permissions</h3>
        <p>The app platform is not running on this head unit.</p>
      </section>
    );
  }
  return (
    <>
      {(list ?? []).map((a) => <AppPermissions key={a.id} app={a} reload={reload} />)}
      {list?.length === 0 ? <section class="tile wide"><h3>Apps and permissions</h3><p class="muted">No apps installed.</p></section> : null}
    </>
  );
}
