/**
 * The console's only script (plain JS, served as is: no build step). It draws the charts from the
 * JSON island the overview embeds, and wires "select all" on the dead-letter list. Everything else
 * is htmx attributes in the HTML.
 */
export const clientScript = `'use strict'
function drawCharts() {
  var island = document.getElementById('activity-data')
  if (!island || typeof uPlot === 'undefined') return
  var d = JSON.parse(island.textContent)
  var width = function (el) { return Math.max(320, el.clientWidth || 800) }
  var counts = document.getElementById('chart-counts')
  if (counts) {
    counts.textContent = ''
    new uPlot({
      width: width(counts), height: 220, title: 'per minute, last 24 h',
      series: [{}, { label: 'events received', stroke: '#2563eb' }, { label: 'reads', stroke: '#9333ea' },
        { label: 'deliveries', stroke: '#16a34a' }],
      axes: [{}, { label: 'per minute' }],
    }, [d.t, d.events, d.reads, d.deliveries], counts)
  }
  var latency = document.getElementById('chart-latency')
  if (latency) {
    latency.textContent = ''
    new uPlot({
      width: width(latency), height: 220, title: 'event → mirror latency (ms)',
      series: [{}, { label: 'p50', stroke: '#0891b2', points: { show: true, size: 5 } },
        { label: 'p95', stroke: '#dc2626', points: { show: true, size: 5 } }],
      axes: [{}, { label: 'ms' }],
    }, [d.t, d.p50, d.p95], latency)
  }
}
document.addEventListener('DOMContentLoaded', drawCharts)
document.addEventListener('change', function (e) {
  var t = e.target
  if (t && t.id === 'select-all') {
    document.querySelectorAll('input[name="id"]').forEach(function (box) { box.checked = t.checked })
  }
})
`
