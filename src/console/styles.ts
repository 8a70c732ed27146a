/** The console's stylesheet (served from /assets with a content hash). */
export const styles = `
:root { color-scheme: light; --muted: #64748b; --line: #e2e8f0; --ok: #15803d; --warn: #b45309; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #0f172a; background: #f8fafc; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #0f172a; color: #f8fafc; }
header nav { display: flex; gap: 1rem; flex: 1; }
header a { color: #cbd5e1; text-decoration: none; }
header a.current, header a:hover { color: #fff; text-decoration: underline; }
header .logout button { background: none; color: #cbd5e1; border: 1px solid #475569; border-radius: 4px; cursor: pointer; }
main { padding: 1rem 1.2rem 3rem; max-width: 1200px; }
h1 { font-size: 1.4rem; margin: .3rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: #fff; border: 1px solid var(--line); padding: .6rem; overflow: auto; max-height: 28rem; }
.status { display: inline-block; padding: 0 .45rem; border-radius: 9px; font-size: 12px; font-weight: 600; }
.status.ok { background: #dcfce7; color: var(--ok); } .status.warn { background: #fef3c7; color: var(--warn); }
.status.bad { background: #fee2e2; color: var(--bad); } .status.idle { background: #e2e8f0; color: #334155; }
.muted { color: var(--muted); }
.charts { display: grid; grid-template-columns: 1fr; gap: 1rem; }
.chart { background: #fff; border: 1px solid var(--line); min-height: 240px; padding: .4rem; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: .8rem; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; padding: .25rem .4rem; }
button.primary { background: #1d4ed8; color: #fff; border: 0; border-radius: 4px; padding: .35rem .8rem; cursor: pointer; }
button.danger { background: #b91c1c; color: #fff; border: 0; border-radius: 4px; padding: .35rem .8rem; cursor: pointer; }
.actions { display: flex; gap: .5rem; margin: .6rem 0; }
.login { max-width: 22rem; margin: 4rem auto; background: #fff; border: 1px solid var(--line); padding: 1.2rem; }
.login input { width: 100%; margin: .4rem 0 .8rem; }
.error { color: var(--bad); }
ol.timeline { list-style: none; padding: 0; border-left: 2px solid var(--line); margin-left: .5rem; }
ol.timeline li { padding: .3rem 0 .5rem 1rem; position: relative; }
ol.timeline li::before { content: ''; position: absolute; left: -6px; top: .7rem; width: 10px; height: 10px; border-radius: 50%; background: #94a3b8; }
ol.timeline li.ok::before { background: var(--ok); } ol.timeline li.bad::before { background: var(--bad); }
ol.timeline li.warn::before { background: var(--warn); }
`
