/** Whether Intl (Node ships full ICU) knows `timeZone` as an IANA zone: the one check every setting and field uses. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The laboratory's IANA time zone (`PILOTHUB_TIME_ZONE`, default the machine's): the one place that decides in which
 * zone times a person reads, and calendar periods, are expressed (design habit 9). Machine exports stay epoch ms / UTC.
 */
export function labTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const zone = env.PILOTHUB_TIME_ZONE || Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isTimeZone(zone)) throw new Error(`PILOTHUB_TIME_ZONE "${zone}" is not an IANA time zone such as Asia/Shanghai or Europe/Berlin`);
  return zone;
}
