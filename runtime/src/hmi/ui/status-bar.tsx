import { useEffect, useState } from 'preact/hooks';
import { useHmi } from './context.ts';

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
  return (
    <header class="status-bar">
      <time class="clock" data-testid="clock" dateTime={now.toISOString()}>
        {now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
      </time>
      <span class={`pill ${client.connected ? 'ok' : 'bad'}`} data-testid="link-state" role="status">
        {client.connected ? 'Car link' : 'No car link'}
      </span>
      <span class="pill muted" title="Cloud sync is not connected to this screen yet">Cloud: pending</span>
      <span class={`pill ${driving ? 'warn' : 'ok'}`} data-testid="drive-state" role="status">
        {DRIVE_LABEL[drive] ?? drive}
        {driving ? ' · restricted' : ''}
      </span>
    </header>
  );
}
