/** A standard normal sample (Box-Muller transform): the measurement noise of every simulated instrument. */
export function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}
