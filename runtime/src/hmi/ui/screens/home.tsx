import { useHmi, useShownSignals } from '../context.ts';
import { StepperTile, ToggleTile } from '../control-tile.tsx';
import { formatDistance, formatSpeed, formatTemperature } from '../preferences.ts';

const P = {
  speed: 'Vehicle.Speed',
  gear: 'Vehicle.Powertrain.Transmission.SelectedGear',
  soc: 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current',
  range: 'Vehicle.Powertrain.Range',
  outside: 'Vehicle.Exterior.AirTemperature',
  lowBeam: 'Vehicle.Body.Lights.Beam.Low.IsOn',
  trunk: 'Vehicle.Body.Trunk.Rear.IsOpen',
  ac: 'Vehicle.Cabin.HVAC.IsAirConditioningActive',
  driverTemp: 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature',
} as const;

/** VSS SelectedGear: 126 park, 127 drive, -1 reverse, 0 neutral, 1..n a fixed gear. */
function gearName(v: unknown): string {
  if (typeof v !== 'number') return '—';
  return v === 126 ? 'P' : v === 127 ? 'D' : v === -1 ? 'R' : v === 0 ? 'N' : String(v);
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Home: speed, gear, charge and range, outside temperature, and the car's control tiles. */
export function HomeScreen() {
  const { client, prefs } = useHmi();
  useShownSignals(Object.values(P));
  const speed = num(client.value(P.speed));
  const soc = num(client.value(P.soc));
  const range = num(client.value(P.range));
  const outside = num(client.value(P.outside));
  const shownSpeed = speed === null ? null : formatSpeed(speed, prefs);
  const low = soc !== null && soc < 15;
  return (
    <div class="home">
      <section class="tile speed-tile" aria-label="Speed">
        <span class="speed" data-testid="speed">{shownSpeed?.value ?? '—'}</span>
        <span class="unit">{shownSpeed?.unit ?? ''}</span>
        <span class="gear" data-testid="gear" aria-label="Gear">{gearName(client.value(P.gear))}</span>
      </section>
      <section class={`tile battery-tile ${low ? 'low' : ''}`} aria-label="Battery">
        <h3>Battery</h3>
        <span class="big" data-testid="soc">{soc === null ? '—' : `${soc.toFixed(1)} %`}</span>
        <div class="bar" aria-hidden="true"><div class="bar-fill" style={{ width: `${Math.max(0, Math.min(100, soc ?? 0))}%` }} /></div>
        <span data-testid="range">{range === null ? '—' : `${formatDistance(range, prefs)} range`}</span>
      </section>
      <section class="tile" aria-label="Outside temperature">
        <h3>Outside</h3>
        <span class="big" data-testid="outside">{outside === null ? '—' : formatTemperature(outside, prefs)}</span>
      </section>
      <ToggleTile title="Trunk" path={P.trunk} on="Open" off="Closed — tap to open" testId="tile-trunk" />
      <ToggleTile title="Low beam" path={P.lowBeam} on="On" off="Off" testId="tile-lowbeam" />
      <ToggleTile title="Air conditioning" path={P.ac} on="On" off="Off" testId="tile-ac" />
      <StepperTile title="Driver temperature" path={P.driverTemp} step={0.5} min={16} max={28} format={(c) => formatTemperature(c, prefs)} testId="tile-temp" />
    </div>
  );
}
