import type { Figure } from '../support/figure.js'

/** Figure 7 needs the Redis store (scale-out issue); until it lands nothing is measured or faked. */
export const scaleOutFigure: Figure = async (ctx) => {
  ctx.log('scale-out: not measured (Redis store not implemented yet)')
  return {
    id: 7,
    title: 'Scale-out',
    rows: [
      {
        metric: 'ingest, 3 instances vs 1 on one Redis',
        value: 'not measured: Redis store not implemented yet',
        unit: '',
        baseline: '1 instance',
        goal: '≥ 2.5×, shared bucket never exceeded',
        met: null,
      },
    ],
    notes: ['Needs `storage.driver: redis` (the scale-out issue). No number is reported until it exists.'],
  }
}
