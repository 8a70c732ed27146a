import { describe, expect, it } from 'vitest'
import type { MirrorFile } from '../../../src/model.js'
import { fileFields } from '../../../src/render/file-fields.js'
import {
  fileLabel,
  humanSize,
  loginLinkText,
  maxFileNameLength,
  noLinkText,
  publicLinkText,
  unsafeLinkText,
} from '../../../src/render/file-label.js'

const pdf: MirrorFile = {
  id: 331,
  name: 'report.pdf',
  size: 1_258_291,
  url: 'https://example-portal.bitrix24.com/bitrix/services/main/ajax.php?action=disk.api.file.download&fileId=331',
}

describe('humanSize', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1 KB'],
    [48_213, '47.1 KB'],
    [348_160, '340 KB'],
    [1_258_291, '1.2 MB'],
    [5 * 1024 ** 3, '5 GB'],
  ])('%i bytes → %s', (bytes, shown) => {
    expect(humanSize(bytes)).toBe(shown)
  })
})

describe('fileLabel', () => {
  it('names the file with its size and says the Bitrix24 link needs a login', () => {
    expect(fileLabel(pdf)).toEqual({
      name: 'report.pdf',
      size: '1.2 MB',
      text: 'report.pdf (1.2 MB)',
      href: pdf.url,
      linkText: loginLinkText,
      needsLogin: true,
    })
    expect(loginLinkText).toBe('open in Bitrix24 — login needed')
  })

  it('links the public link instead when there is one, which needs no login', () => {
    const label = fileLabel({ ...pdf, publicUrl: 'https://example-portal.bitrix24.com/~4Pie9' })
    expect(label).toMatchObject({
      href: 'https://example-portal.bitrix24.com/~4Pie9',
      linkText: publicLinkText,
      needsLogin: false,
    })
    expect(label.linkText).not.toContain('login needed')
  })

  it('has no link while the file is still uploading (Bitrix24 sends empty URLs and size 0)', () => {
    const label = fileLabel({ id: 333, name: 'scan.tiff', url: '' })
    expect(label).toEqual({ name: 'scan.tiff', text: 'scan.tiff', linkText: noLinkText, needsLogin: true })
  })

  it('never links a URL that is not http(s), public or not', () => {
    const label = fileLabel({ ...pdf, url: 'javascript:alert(1)', publicUrl: 'data:text/html,x' })
    expect(label.href).toBeUndefined()
    expect(label.linkText).toBe(unsafeLinkText)
  })

  it('caps a hostile portal’s long name and keeps the extension', () => {
    const label = fileLabel({ ...pdf, name: `${'a'.repeat(5000)}.pdf` })
    expect([...label.name]).toHaveLength(maxFileNameLength)
    expect(label.name.endsWith('….pdf')).toBe(true)
  })

  it('drops control, zero-width and direction characters (a name must not read as another)', () => {
    // U+202E would show `invoice‮fdp.exe` as `invoiceexe.pdf`.
    const label = fileLabel({ ...pdf, name: 'invoice\u202efdp.exe\n\u0000x\u200b' })
    expect(label.name).toBe('invoice fdp.exe x')
  })

  it('names an unnamed file by its id', () => {
    expect(fileLabel({ ...pdf, name: ' \u200b ' }).name).toBe('file 331')
  })

  it('keeps markup characters as text: each output escapes them its own way', () => {
    expect(fileLabel({ ...pdf, name: '<b>*x*</b> & _y_.pdf' }).name).toBe('<b>*x*</b> & _y_.pdf')
  })
})

describe('fileFields (webhook and console JSON)', () => {
  it('sends id, name, size, url and the public link', () => {
    expect(fileFields({ ...pdf, publicUrl: 'https://example-portal.bitrix24.com/~4Pie9' })).toEqual({
      id: 331,
      name: 'report.pdf',
      size: 1_258_291,
      url: pdf.url,
      publicUrl: 'https://example-portal.bitrix24.com/~4Pie9',
    })
  })

  it('leaves out what is unknown or unsafe, and caps the name', () => {
    const fields = fileFields({ id: 9, name: 'x'.repeat(1000), url: 'javascript:alert(1)' })
    expect(fields).toEqual({ id: 9, name: expect.any(String), url: '' })
    expect(fields.name.length).toBeLessThanOrEqual(maxFileNameLength)
  })

  it('reads a file queued by an older bridge (no id, no size)', () => {
    const old = { name: 'a.pdf', url: 'https://p.test/a' } as MirrorFile
    expect(fileFields(old)).toEqual({ id: 0, name: 'a.pdf', url: 'https://p.test/a' })
    expect(fileLabel(old).text).toBe('a.pdf')
  })
})
