import { useHmi } from '../context.ts';

/** Items a list may show while driving (the same limit app templates get). */
const DRIVING_LIST_MAX = 6;

/** The notification history, newest first, with severity colours; six items while driving. */
export function NotificationsScreen() {
  const { client, driving } = useHmi();
  const all = [...client.notifications].reverse();
  const shown = driving ? all.slice(0, DRIVING_LIST_MAX) : all;
  return (
    <div class="notifications">
      <h2>Notifications</h2>
      {all.length === 0 ? <p class="muted" data-testid="no-notifications">No notifications.</p> : null}
      <ul class="list" data-testid="notification-list">
        {shown.map((n) => (
          <li key={n.id} class={`list-item sev-${n.severity}`} data-testid="notification">
            <span class="sev-tag">{n.severity}</span>
            <div>
              <strong>{n.title}</strong>
              <p class="secondary">{n.body}</p>
            </div>
            <time class="muted">{new Date(n.timeMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>
          </li>
        ))}
      </ul>
      {all.length > shown.length ? <p class="muted">{`${all.length - shown.length} more when parked`}</p> : null}
    </div>
  );
}
