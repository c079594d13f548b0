import { app, notify, storage, ui, vehicle } from '@headunit/sdk';

/** At or below this outside temperature the road may be icy (°C). */
const ICE_BELOW_C = 3;

let warned = false;

function show(t: number): void {
  const lowest = Math.min(t, storage.get<number>('lowest') ?? Infinity);
  storage.set('lowest', lowest);
  ui.render({ kind: 'tile', title: 'Outside', value: t.toFixed(1), unit: '°C', icon: t <= ICE_BELOW_C ? 'snowflake' : 'thermometer' });
  if (t <= ICE_BELOW_C && !warned) {
    warned = true;
    notify({ title: 'Ice possible', body: `It is ${t.toFixed(1)} °C outside (lowest ${lowest.toFixed(1)} °C).`, level: 'warning' });
  }
  if (t > ICE_BELOW_C + 1) warned = false;
}

app.onStart(() => {
  vehicle.subscribe('Vehicle.Exterior.AirTemperature', (t) => {
    if (typeof t === 'number') show(t);
  });
});
