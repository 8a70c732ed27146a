// The fake portal ships with the demo (src/demo/fake-portal); tests import it from here.
export * from '../../src/demo/fake-portal/fake-portal.js'
