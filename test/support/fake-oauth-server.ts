// The fake OAuth server ships with the demo (src/demo/fake-portal); tests import it from here.
export * from '../../src/demo/fake-portal/fake-oauth-server.js'
