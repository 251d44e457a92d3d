/**
 * @module test-ids
 * data-testid values shared by the components, the pages and the e2e suite, so that
 * Playwright selectors never depend on text or layout.
 */
export const testIds = {
  nav: { link: (name: string) => `nav-${name}`, themeToggle: 'theme-toggle', logout: 'logout', user: 'nav-user' },
  auth: { username: 'auth-username', password: 'auth-password', submit: 'auth-submit', error: 'auth-error' },
  containers: {
    table: 'containers-table',
    row: (name: string) => `container-row-${name}`,
    action: (op: string) => `container-action-${op}`,
    runButton: 'containers-run',
    empty: 'containers-empty',
  },
  run: {
    dialog: 'run-dialog', image: 'run-image', cmd: 'run-cmd', name: 'run-name', env: 'run-env',
    ports: 'run-ports', volumes: 'run-volumes', tty: 'run-tty', submit: 'run-submit', error: 'run-error',
    progress: 'run-progress',
  },
  detail: { tab: (name: string) => `detail-tab-${name}`, state: 'detail-state' },
  logs: {
    viewer: 'log-viewer', row: 'log-row', search: 'log-search', regex: 'log-regex', timestamps: 'log-timestamps',
    follow: 'log-follow', download: 'log-download', count: 'log-count', results: 'log-results',
  },
  terminal: {
    host: 'terminal', open: 'terminal-open', detach: 'terminal-detach', close: 'terminal-close',
    status: 'terminal-status', session: (id: string) => `terminal-session-${id}`, cmd: 'terminal-cmd',
  },
  images: { table: 'images-table', row: (ref: string) => `image-row-${ref}`, pull: 'images-pull', pullInput: 'images-pull-input', progress: 'images-progress' },
  events: { list: 'events-list', row: 'event-row' },
  system: { info: 'system-info', warning: 'system-warning' },
  dialog: { confirm: 'dialog-confirm', cancel: 'dialog-cancel' },
} as const;
