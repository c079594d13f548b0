import { useEffect, useState } from 'preact/hooks';
import { cloudApi } from './cloud-api.ts';
import { useHmi } from './context.ts';

/** How often the status bar asks cloud sync whether it is connected (ms). */
const CLOUD_POLL_MS = 5000;

/** Cloud sync's connection: `off` when it does not run on this head unit, null until known. */
function useCloudState(): 'connected' | 'offline' | 'off' | null {
  const [state, setState] = useState<'connected' | 'offline' | 'off' | null>(null);
  useEffect(() => {
    const poll = (): void => void cloudApi.status().then((s) => setState(s === null ? 'off' : s.connected ? 'connected' : 'offline'), () => setState('offline'));
    poll();
    const t = setInterval(poll, CLOUD_POLL_MS);
    return () => clearInterval(t);
  }, []);
  return state;
}

const DRIVE_LABEL: Record<string, string> = { off: 'Off', parked: 'Parked', driving: 'Driving', charging: 'Charging', unknown: 'State unknown' };

/** Time, connectivity and the vehicle state, always on top. The clock ticks once a second. */
export function StatusBar() {
  const { client, driving } = useHmi();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  const drive = client.vehicle?.drive ?? 'unknown';
  const cloud = useCloudState();
  return (
    <header class="status-bar">
      <time class="clock" data-testid="clock" dateTime={now.toISOString()}>
        {now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
      </time>
      <span class={`pill ${client.connected ? 'ok' : 'bad'}`} data-testid="link-state" role="status">
        {client.connected ? 'Car link' : 'No car link'}
      </span>
      <span class={`pill ${cloud === 'connected' ? 'ok' : cloud === 'offline' ? 'bad' : 'muted'}`} data-testid="cloud-state" role="status">
        {cloud === 'connected' ? 'Cloud' : cloud === 'offline' ? 'Cloud offline' : cloud === 'off' ? 'Cloud off' : 'Cloud …'}
      </span>
      <span class={`pill ${driving ? 'warn' : 'ok'}`} data-testid="drive-state" role="status">
        {DRIVE_LABEL[drive] ?? drive}
        {driving ? ' · restricted' : ''}
      </span>
    </header>
  );
}
