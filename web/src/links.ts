/**
 * Links between pages that carry a choice: `#/runs?equipment=…&run=…` (the runs list of one equipment with a run
 * shown), `#/compare?equipment=…&run=…` (the compare page with that equipment chosen and that run ticked). The router
 * matches the path before `?`; a page reads the rest with `hashQuery()`.
 */
export const hashQuery = (): URLSearchParams => new URLSearchParams(location.hash.split('?')[1] ?? '');

const withQuery = (path: string, q: Record<string, string | undefined>) => {
  const s = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  return s ? `#${path}?${s}` : `#${path}`;
};

export const runsLink = (equipment?: string, run?: string) => withQuery('/runs', { equipment, run });
export const compareLink = (equipment?: string, run?: string) => withQuery('/compare', { equipment, run });
