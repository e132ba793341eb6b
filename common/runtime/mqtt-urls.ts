import { z } from 'zod';

const URL_PATTERN = /^(mqtts?|tcp|tls|wss?):\/\/[^/,\s]+/;

/** The URLs of a comma-separated list, trimmed, empty entries dropped. */
export const splitMqttUrls = (value: string): string[] => value.split(',').map((u) => u.trim()).filter(Boolean);

/**
 * One broker URL, or the nodes of a clustered broker separated by commas (`mqtt://a:1883,mqtt://b:1883`): the client
 * connects to the first and moves to the next one on every reconnect (connectMqtt). The one schema for the gateway's
 * `mqtt.url` and PILOTHUB_MQTT_URL; a bad entry is named by its position.
 */
export const MqttUrls = z.string().superRefine((value, ctx) => {
  const urls = splitMqttUrls(value);
  if (!urls.length) ctx.addIssue({ code: 'custom', message: 'names no broker: expected an MQTT URL such as mqtt://host:1883, or several separated by commas' });
  urls.forEach((url, i) => {
    if (!URL_PATTERN.test(url)) {
      const which = urls.length > 1 ? `entry ${i + 1} "${url}"` : `"${url}"`;
      ctx.addIssue({ code: 'custom', message: `${which} must be an MQTT URL such as mqtt://host:1883 or mqtts://host:8883` });
    }
  });
});
