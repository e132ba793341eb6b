import { useEffect, useState } from 'preact/hooks';
import type { z } from 'zod';
import type { ConditionPreview } from '../../../api/routes/equipment/condition-preview.js';
import { ApiFailure, post } from '../api.js';
import { fmtValue } from '../dom.js';
import { fmtTime, t } from '../i18n.js';

type Preview = z.infer<typeof ConditionPreview>;
const REFRESH_MS = 3000;
const DEBOUNCE_MS = 300;

/**
 * What the condition being typed evaluates to now, over the equipment's latest values (the API evaluates it with the
 * run tracker's own parser): re-asked shortly after each keystroke and every few seconds while the page is open.
 */
export function ConditionPreviewLine({ equipmentId, condition, role }: { equipmentId: string; condition: string; role: string }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setPreview(null);
    setError(null);
    if (!condition.trim()) return;
    let live = true;
    const ask = () => post<Preview>(`/api/v1/equipment/${encodeURIComponent(equipmentId)}/condition-preview`, { condition })
      .then((p) => { if (live) { setPreview(p); setError(null); } }, (err: unknown) => { if (live) setError(err instanceof ApiFailure ? err.message : String(err)); });
    const first = setTimeout(ask, DEBOUNCE_MS);
    const again = setInterval(ask, REFRESH_MS);
    return () => { live = false; clearTimeout(first); clearInterval(again); };
  }, [equipmentId, condition]);

  // Nothing typed: the field's hint says what applies (no runs by condition; the alarm parameter, if any).
  if (!condition.trim()) return null;
  if (error) return <p class="field-error" data-role={role} data-value="error">{error}</p>;
  if (!preview) return <p class="muted small" data-role={role}>{t('staff.preview.checking')}</p>;
  const value = preview.value === null ? 'unknown' : String(preview.value);
  return (
    <div class="preview" data-role={role} data-value={value}>
      <strong>{preview.value === null ? t(`staff.preview.unknown.${preview.unknownBecause ?? 'offline'}`) : t(preview.value ? 'staff.preview.true' : 'staff.preview.false')}</strong>
      <ul class="small">
        {preview.parameters.map((p) => (
          <li key={p.id} class={p.known ? undefined : 'warn'}>
            <code>{p.id}</code> = {fmtValue(p.value)}{p.at !== null && <span class="muted"> ({fmtTime(p.at)})</span>}
            {!p.known && ` ${t('staff.preview.unknownParameter')}`}
          </li>
        ))}
      </ul>
    </div>
  );
}
