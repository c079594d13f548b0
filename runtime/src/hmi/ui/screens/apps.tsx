import { useEffect, useState } from 'preact/hooks';
import { appsApi, type AppView } from '../apps-api.ts';
import { useHmi } from '../context.ts';
import { TemplateView } from '../template-view.tsx';

/** How often the launcher re-reads the installed apps (ms). */
const LIST_REFRESH_MS = 5000;

/** The installed apps, re-read while the screen is open; null when the app platform is off. */
export function useAppList(): { list: AppView[] | null | undefined; reload: () => void } {
  const [list, setList] = useState<AppView[] | null | undefined>(undefined);
  const reload = (): void => void appsApi.list().then(setList, () => setList(null));
  useEffect(() => {
    reload();
    const t = setInterval(reload, LIST_REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  return { list, reload };
}

function AppSurfaceView({ app, onBack }: { app: AppView; onBack: () => void }) {
  const { client } = useHmi();
  const surface = client.apps?.get(app.id);
  const top = surface?.stack[surface.stack.length - 1];
  const contentCuts = surface?.cuts.filter((c) => c.rule !== 'REFRESH') ?? [];
  return (
    <div class="app-surface" data-testid="app-surface" data-app={app.id} data-depth={surface?.stack.length ?? 0}>
      <div class="app-header">
        <button class="button" onClick={onBack} data-testid="app-back">← Apps</button>
        {surface && surface.stack.length > 1 ? <button class="button" onClick={() => void appsApi.pop(app.id).catch((err: Error) => console.warn('ui-pop', app.id, err.message))} data-testid="tpl-back">‹ Back</button> : null}
        <h2>{app.name}</h2>
      </div>
      {top ? <TemplateView appId={app.id} template={top} cuts={contentCuts} /> : <p class="muted">{`${app.name} shows nothing yet.`}</p>}
    </div>
  );
}

/**
 * The launcher: one large button per app; opening one shows its surface, the template it
 * rendered as the HMI validated and limited it.
 */
export function AppsScreen() {
  const { client } = useHmi();
  const { list } = useAppList();
  const [open, setOpen] = useState<string | null>(null);
  if (list === null || client.apps === null) {
    return (
      <div class="pending" data-testid="apps-off">
        <h2>Apps</h2>
        <p>The app platform is not running on this head unit.</p>
      </div>
    );
  }
  const app = open ? list?.find((a) => a.id === open) : undefined;
  if (app) return <AppSurfaceView app={app} onBack={() => setOpen(null)} />;
  return (
    <div>
      <h2>Apps</h2>
      {list?.length === 0 ? <p class="muted" data-testid="apps-none">No apps installed. Install one with <code>headunit app install FILE.hua</code>.</p> : null}
      <ul class="launcher">
        {(list ?? []).map((a) => {
          const top = client.apps?.get(a.id)?.stack.at(-1);
          return (
            <li key={a.id}>
              <button class="launcher-button" onClick={() => setOpen(a.id)} data-testid={`app-${a.id}`}>
                <strong>{a.name}</strong>
                <span class="muted">{top?.kind === 'tile' && top.value ? `${top.value}${top.unit ? ` ${top.unit}` : ''}` : a.state}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
