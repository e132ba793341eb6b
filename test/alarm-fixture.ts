import mqtt from 'mqtt';
import { topics, type Birth } from '../common/contracts/index.js';
import type { NotificationSettings } from '../api/notifications/model.js';
import { smtpReceiver } from './helpers/receivers.js';
import { teardown } from './helpers/teardown.js';
import { SITE, sharingStack } from './sharing-fixture.js';

type StackOptions = NonNullable<Parameters<typeof sharingStack>[0]>;

/**
 * The stack of the alarm tests (alarms, live deviation): the sharing stack whose notifier mails to a real SMTP
 * server, gateway gw-s online, one equipment announced with `parameters` and bookable by anyone at once, and a
 * publisher of its readings. The tests keep their own timings (hold, grouping, retries) in `options`.
 */
export async function alarmStack(equipment: string, parameters: Birth['parameters'], options: StackOptions & { notifications: Partial<NotificationSettings> }) {
  const smtp = await smtpReceiver();
  const s = await sharingStack({ ...options, notifications: { ...options.notifications, smtp: { url: smtp.url, from: 'pilothub@lab.test' } } });
  const pub = await mqtt.connectAsync(s.broker.url);
  teardown(() => pub.endAsync());
  // Retained, as a gateway says it: the engine raises no offline alarm and the registry shows the equipment live.
  await pub.publishAsync(topics.status(SITE, 'gw-s'), JSON.stringify({ gateway: 'gw-s', state: 'online' }), { qos: 1, retain: true });
  await s.announce(equipment, parameters);
  // multiDay: a booking of an hour or more crosses midnight (UTC) when the suite runs late in the day.
  await s.ok(s.admin, 'PATCH', `/api/v1/equipment/${equipment}`, { bookable: true, autoApproveAll: true, leadTimeMin: 0, multiDay: true });
  let seq = 0;
  /** Publishes readings of the equipment as gw-s, each stamped now: the engine compares live values. */
  const publish = (readings: { p: string; v: number | string | boolean }[]) =>
    pub.publishAsync(topics.data(SITE, equipment), JSON.stringify({ gateway: 'gw-s', seq: ++seq, readings: readings.map((r) => ({ ...r, t: Date.now() })) }), { qos: 1 });
  return { ...s, smtp, pub, publish };
}
