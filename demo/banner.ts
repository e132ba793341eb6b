import type { DemoLogins } from './setup.js';

export interface ReadyFacts {
  apiUrl: string;
  mqttUrl: string;
  /** Set on the start that created the first admin; its password is shown only then. */
  createdAdmin: { email: string; password: string; generated: boolean } | null;
  /** Demo mode: the demo people's logins, or why there are none. */
  demo?: { logins?: DemoLogins; problem?: string };
  demoSpeed?: number;
  /** First demo start: the past hours being filled in the background. */
  demoHistory?: { hours: number };
}

/**
 * The block `pilothub start` prints once everything is up, apart from the JSON log lines: where the dashboard is, who
 * can log in, and what to try. The first line stays machine-readable ("pilothub ready: API <url>").
 */
export function readyBanner(facts: ReadyFacts): string {
  const admin = facts.createdAdmin;
  const lines = [
    `pilothub ready: API ${facts.apiUrl} (docs ${facts.apiUrl}/api/docs), MQTT ${facts.mqttUrl}`,
    '',
    `  Dashboard      ${facts.apiUrl}/`,
    admin
      ? `  Admin          ${admin.email}  ${admin.generated ? `password ${admin.password}  (shown only on this first start: note it)` : '(password from PILOTHUB_ADMIN_PASSWORD)'}`
      : '  Admin          the account created on the first start (pilothub printed its password then)',
  ];
  const demo = facts.demo;
  if (demo?.logins) {
    lines.push(
      `  Demo customer  ${demo.logins.customer.email}  password ${demo.logins.customer.password}`,
      `  Demo engineer  ${demo.logins.engineer.email}  password ${demo.logins.engineer.password}`,
    );
  }
  if (demo?.problem) lines.push(`  Demo problem   ${demo.problem}`);
  if (demo && !demo.problem) {
    const speed = facts.demoSpeed && facts.demoSpeed !== 1 ? ` at ${facts.demoSpeed}x speed` : '';
    lines.push(
      `  Demo mode      three simulated machines follow a campaign${speed}: runs open and close by themselves`,
      ...(facts.demoHistory ? [`  History        the past ${facts.demoHistory.hours} h of readings, bookings and runs are being filled in the background (log: "demo history filled")`] : []),
      '',
      '  Try next',
      '    1. Log in as admin: the spray dryer shows RUNNING; its run (the customer\'s booking) closes when it stops, every 6 minutes.',
      '    2. Log in as the demo customer in another browser: see your dryer runs, book a free slot on the extruder.',
      '    3. As admin, open a closed run and issue a verification report; verify it from the Reports page.',
    );
  }
  lines.push('', '  Ctrl-C stops the hub; data stays in PILOTHUB_DATA_DIR.', '');
  return lines.join('\n');
}
