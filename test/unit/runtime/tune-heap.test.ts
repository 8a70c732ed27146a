import { describe, expect, it } from 'vitest'
import { ErrorCodes } from '../../../src/errors.js'
import { defaultHeapGrowingPercent, heapGrowingEnv, tuneHeap } from '../../../src/runtime/tune-heap.js'

describe('tuneHeap', () => {
  it('applies the default heap growth unless told otherwise', () => {
    expect(tuneHeap({}, [])).toBe(defaultHeapGrowingPercent)
    expect(tuneHeap({ [heapGrowingEnv]: ' 35 ' }, [])).toBe(35)
  })

  it("keeps V8's own growth for 0, and node's own --heap-growing-percent wins", () => {
    expect(tuneHeap({ [heapGrowingEnv]: '0' }, [])).toBeUndefined()
    expect(tuneHeap({ [heapGrowingEnv]: '35' }, ['--heap-growing-percent=50'])).toBeUndefined()
    expect(tuneHeap({}, ['--heap_growing_percent', '50'])).toBeUndefined()
  })

  it('refuses a value that is not a whole percent, saying what it wants', () => {
    for (const bad of ['abc', '-5', '2.5', '5000']) {
      expect(() => tuneHeap({ [heapGrowingEnv]: bad }, [])).toThrow(
        expect.objectContaining({
          code: ErrorCodes.CONFIG_INVALID,
          message: expect.stringContaining(
            `${heapGrowingEnv} must be a whole number from 0 to 1000 (got "${bad}")`,
          ),
        }),
      )
    }
  })
})
