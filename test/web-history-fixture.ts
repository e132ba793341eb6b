import type { Reading } from '../common/contracts/index.js';
import { writeReadings } from '../common/influx/rollups.js';
import type { InfluxV1Client } from '../common/influx/v1-client.js';
import { initialSprayDryerState, stepSprayDryer } from '../simulators/spray-dryer/model.js';

/**
 * Two hours of 1 Hz spray-dryer history from the simulator's own model (a stop and a restart
 * included), written where the example gateway writes dryer-1 (rollups included, as ingest writes them),
 * ending just before the live data: enough history for the equipment page to zoom and pan into, as after
 * a morning of use.
 */
export async function writeDryerHistory(influx: InfluxV1Client, endMs = Date.now() - 30_000, seconds = 7200): Promise<void> {
  const key = { site: 'pilot-hall-a', equipment: 'dryer-1', gateway: 'gw-hall-a' };
  let state = initialSprayDryerState(true);
  const start = endMs - seconds * 1000;
  let readings: Reading[] = [];
  for (let i = 0; i < seconds; i++) {
    state = stepSprayDryer({ ...state, running: i < seconds * 0.45 || i > seconds * 0.6 }, 1);
    const t = start + i * 1000;
    readings.push(
      { p: 'inlet_temp', t, v: state.inletTemp }, { p: 'outlet_temp', t, v: state.outletTemp },
      { p: 'feed_rate', t, v: state.feedRate }, { p: 'atomizer_speed', t, v: state.atomizerSpeed },
      { p: 'running', t, v: state.running },
    );
    if (readings.length >= 5000) { await writeReadings(influx, key, readings); readings = []; }
  }
  if (readings.length) await writeReadings(influx, key, readings);
}
