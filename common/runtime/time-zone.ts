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
 * The laboratory's time zone (design habit 9): every time a person reads is shown in it. PILOTHUB_TIME_ZONE is an
 * IANA name (Asia/Shanghai); unset means the machine's zone. A name Intl does not know stops the start with a clear
 * error instead of silently showing UTC.
 */
export function labTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.PILOTHUB_TIME_ZONE?.trim();
  if (!configured) return Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isTimeZone(configured)) throw new Error(`PILOTHUB_TIME_ZONE="${configured}" is not an IANA time zone name Node knows (e.g. Asia/Shanghai, Europe/Berlin, UTC)`);
  // The canonical spelling (asia/shanghai -> Asia/Shanghai), as Intl reports it.
  return new Intl.DateTimeFormat('en', { timeZone: configured }).resolvedOptions().timeZone;
}
