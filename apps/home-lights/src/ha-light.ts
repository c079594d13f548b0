/**
 * The Home Assistant MQTT light, JSON schema (https://www.home-assistant.io/integrations/light.mqtt/):
 *
 * ```
 * command topic        {"state": "ON", "brightness": 255, "transition": 2}   (the app → the light)
 * state topic          {"state": "ON", "brightness": 255}                    (the light → the app)
 * availability topic   online | offline                                       (the light, retained)
 * ```
 */
export interface LightCommand {
  state: 'ON' | 'OFF';
  brightness?: number;
  /** Seconds to fade over. */
  transition?: number;
}

export interface LightState {
  state: 'ON' | 'OFF';
  brightness?: number;
}

/** The command payload for on/off (brightness 0..255 when on). */
export function command(on: boolean, brightness?: number, transitionS?: number): LightCommand {
  return { state: on ? 'ON' : 'OFF', ...(on && brightness !== undefined ? { brightness } : {}), ...(transitionS !== undefined ? { transition: transitionS } : {}) };
}

/** Parses a state message; null when it is not a JSON-schema light state. */
export function parseState(payload: unknown): LightState | null {
  let doc: unknown = payload;
  if (typeof payload === 'string') {
    try {
      doc = JSON.parse(payload);
    } catch {
      return null;
    }
  }
  const s = doc as Partial<LightState> | null;
  if (typeof s !== 'object' || s === null || (s.state !== 'ON' && s.state !== 'OFF')) return null;
  return { state: s.state, ...(typeof s.brightness === 'number' ? { brightness: s.brightness } : {}) };
}

/** Parses an availability message (`online` / `offline`, the schema's defaults); null otherwise. */
export function parseAvailability(payload: unknown): boolean | null {
  const p = typeof payload === 'string' ? payload.trim() : payload;
  if (p === 'online' || p === '"online"') return true;
  if (p === 'offline' || p === '"offline"') return false;
  return null;
}
